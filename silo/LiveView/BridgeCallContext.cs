using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace AprOrleans.Silo.LiveView;

/// <summary>
/// The call context a gRPC handler sees when the live view's HTTP bridge calls it: the browser's request is the
/// call (its abort is the call's cancellation), with no metadata, so admin calls are refused exactly as for an
/// anonymous gRPC client.
/// </summary>
internal sealed class BridgeCallContext(HttpContext http, string method) : ServerCallContext
{
    private readonly Metadata _trailers = [];

    protected override string MethodCore => method;
    protected override string HostCore => http.Request.Host.Value ?? "";
    protected override string PeerCore => $"ipv4:{http.Connection.RemoteIpAddress}:{http.Connection.RemotePort}";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore { get; } = [];
    protected override CancellationToken CancellationTokenCore => http.RequestAborted;
    protected override Metadata ResponseTrailersCore => _trailers;
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore { get; } = new(null, new Dictionary<string, List<AuthProperty>>());

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("the live view's calls do not propagate");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
