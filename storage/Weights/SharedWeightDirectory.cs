using System.Text.RegularExpressions;

namespace AprOrleans.Storage.Weights;

/// <summary>
/// The layout of the cluster's shared weights volume, a directory every silo (<c>Apr:SharedWeightsDirectory</c>) and
/// the trainer (<c>--shared-weights</c>) mount, each at its own path. A publisher puts a blob into <c>outbox/</c>
/// (<see cref="SharedWeightOutbox"/>) and names it in <c>Weights.PublishShared</c>; the silo moves it into its own
/// folder of <c>incoming/</c> to check it and then into <c>store/</c>, where every silo reads published versions in
/// place. No weight bytes cross the network twice.
/// </summary>
public static partial class SharedWeightDirectory
{
    public const string Outbox = "outbox";
    public const string Incoming = "incoming";
    public const string Store = "store";

    /// <summary>
    /// Whether <paramref name="name"/> may name a file in the outbox: a plain file name (no directory, no leading
    /// dot) of letters, digits, '.', '_' and '-', ending <c>.safetensors</c>.
    /// </summary>
    public static bool IsOutboxFileName(string name) => name.Length <= 200 && OutboxFileName().IsMatch(name);

    /// <summary>
    /// The name <see cref="SharedWeightOutbox.Place"/> gives an entry: version, placement time (UTC, to the second,
    /// so that abandoned entries can be told by their name alone) and a random part.
    /// </summary>
    public static string NewOutboxName(long version, DateTime placedUtc) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"v{version}-{placedUtc:yyyyMMddHHmmss}-{Guid.NewGuid():N}.safetensors");

    /// <summary>
    /// Entries <see cref="SharedWeightOutbox.Place"/> put into the outbox before <paramref name="cutoff"/>: left by
    /// publishers that died between placing a blob and the call's end. Entries with other names are never listed:
    /// their age is unknown (a hard link keeps its original's modification time).
    /// </summary>
    public static IEnumerable<string> AbandonedOutboxEntries(string root, DateTime cutoff)
    {
        var outbox = Path.Combine(root, Outbox);
        if (!Directory.Exists(outbox)) yield break;
        foreach (var path in Directory.EnumerateFiles(outbox))
        {
            var match = PlacedName().Match(Path.GetFileName(path));
            if (match.Success && DateTime.TryParseExact(match.Groups[1].Value, "yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var placed)
                && placed < cutoff)
                yield return path;
        }
    }

    [GeneratedRegex(@"^v[0-9]+-([0-9]{14})-[0-9a-f]{32}\.safetensors\z")]
    private static partial Regex PlacedName();

    // \z, not $: in .NET '$' also matches before a final newline.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\.safetensors\z")]
    private static partial Regex OutboxFileName();
}
