using Google.Protobuf;
using Grpc.Core;

namespace AprOrleans.Silo.Api;

/// <summary>
/// Marshallers for services bound by hand: a request whose bytes are not a valid message becomes
/// <c>INVALID_ARGUMENT</c> (the generated marshaller's parse failure reaches the client as <c>UNKNOWN</c>).
/// </summary>
public static class StrictMarshallers
{
    /// <summary>
    /// Requests are small (a problem, limits, names); a bigger one is refused as invalid, naming the request (smaller
    /// malformed ones get their field named by the validators).
    /// </summary>
    public const int MaxRequestBytes = 1 << 20;

    /// <summary>A method descriptor with a strict request marshaller, named as the generated code names it.</summary>
    public static Method<TRequest, TResponse> Method<TRequest, TResponse>(MethodType type, string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(type, service, name, Strict(new MessageParser<TRequest>(() => new TRequest())), Plain(new MessageParser<TResponse>(() => new TResponse())));

    /// <summary>For requests: a parse failure is the client's fault.</summary>
    public static Marshaller<T> Strict<T>(MessageParser<T> parser) where T : IMessage<T> =>
        Marshallers.Create<T>(Serialize, (DeserializationContext context) =>
        {
            if (context.PayloadLength > MaxRequestBytes)
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"field 'request': {context.PayloadLength} bytes, more than the {MaxRequestBytes} a {typeof(T).Name} may hold"));
            try
            {
                return parser.ParseFrom(context.PayloadAsReadOnlySequence());
            }
            catch (InvalidProtocolBufferException e)
            {
                var name = typeof(T).Name;
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"field 'request': the bytes are not a {name} message ({e.Message})"));
            }
        });

    /// <summary>For responses, which the server writes itself.</summary>
    public static Marshaller<T> Plain<T>(MessageParser<T> parser) where T : IMessage<T> =>
        Marshallers.Create<T>(Serialize, (DeserializationContext context) => parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    private static void Serialize<T>(T message, SerializationContext context) where T : IMessage<T> => context.Complete(message.ToByteArray());
}
