using Google.Protobuf;

namespace AprOrleans.Silo.LiveView;

/// <summary>
/// Protobuf's JSON mapping, with fields at their default values written out: the page then reads a zero (a queue of
/// 0, weight version 0) as a number instead of a missing field. 64-bit integers are JSON strings, as the mapping says.
/// </summary>
internal static class LiveViewJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static string Format(IMessage message) => Formatter.Format(message);

    /// <summary>Parses a request; a body that is not the message's JSON throws <see cref="InvalidJsonException"/> or <see cref="InvalidProtocolBufferException"/>.</summary>
    public static T Parse<T>(string json) where T : IMessage, new() => Parser.Parse<T>(json);
}
