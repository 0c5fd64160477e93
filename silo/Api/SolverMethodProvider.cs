using AprOrleans.Api;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace AprOrleans.Silo.Api;

/// <summary>
/// The Solver methods, bound by hand instead of through the generated base class so that request bytes which
/// are not a valid message become <c>INVALID_ARGUMENT</c> (the generated marshaller's parse failure reaches the
/// client as <c>UNKNOWN</c>). Names and message types are the generated ones, so clients see no difference.
/// </summary>
public sealed class SolverMethodProvider : IServiceMethodProvider<SolverService>
{
    private static readonly string ServiceName = Solver.Descriptor.FullName;

    /// <summary>A request is a handful of numbers, limits and an id; a bigger one is refused as invalid (smaller malformed ones get their field named by the validator).</summary>
    public const int MaxRequestBytes = 1 << 20;

    /// <summary>
    /// gRPC's own receive limit for the Solver service: oversized requests up to this size still reach the
    /// marshaller and get INVALID_ARGUMENT; beyond it the transport answers RESOURCE_EXHAUSTED without reading them.
    /// </summary>
    public const int TransportLimitBytes = 16 << 20;

    private static readonly Method<SolveRequest, SolveResponse> Solve =
        new(MethodType.Unary, ServiceName, "Solve", Strict(SolveRequest.Parser), Plain(SolveResponse.Parser));
    private static readonly Method<SolveRequest, SolveEvent> SolveStream =
        new(MethodType.ServerStreaming, ServiceName, "SolveStream", Strict(SolveRequest.Parser), Plain(SolveEvent.Parser));
    private static readonly Method<GetSolveRequest, SolveResponse> GetSolve =
        new(MethodType.Unary, ServiceName, "GetSolve", Strict(GetSolveRequest.Parser), Plain(SolveResponse.Parser));

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<SolverService> context)
    {
        context.AddUnaryMethod(Solve, [], (service, request, call) => service.Solve(request, call));
        context.AddServerStreamingMethod(SolveStream, [], (service, request, stream, call) => service.SolveStream(request, stream, call));
        context.AddUnaryMethod(GetSolve, [], (service, request, call) => service.GetSolve(request, call));
    }

    private static Marshaller<T> Strict<T>(MessageParser<T> parser) where T : IMessage<T> =>
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

    private static Marshaller<T> Plain<T>(MessageParser<T> parser) where T : IMessage<T> =>
        Marshallers.Create<T>(Serialize, (DeserializationContext context) => parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    private static void Serialize<T>(T message, SerializationContext context) where T : IMessage<T> => context.Complete(message.ToByteArray());
}
