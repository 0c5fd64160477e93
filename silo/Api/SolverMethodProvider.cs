using AprOrleans.Api;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using static AprOrleans.Silo.Api.StrictMarshallers;

namespace AprOrleans.Silo.Api;

/// <summary>
/// The Solver methods, bound by hand instead of through the generated base class so that request bytes which
/// are not a valid message become <c>INVALID_ARGUMENT</c> (the generated marshaller's parse failure reaches the
/// client as <c>UNKNOWN</c>). Names and message types are the generated ones, so clients see no difference.
/// </summary>
public sealed class SolverMethodProvider : IServiceMethodProvider<SolverService>
{
    private static readonly string ServiceName = Solver.Descriptor.FullName;

    /// <summary>
    /// gRPC's own receive limit for the Solver service: requests over <see cref="StrictMarshallers.MaxRequestBytes"/> up to this
    /// size still reach the marshaller and get INVALID_ARGUMENT; beyond it the transport answers RESOURCE_EXHAUSTED without reading them.
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
}
