using Grpc.Core;
using Grpc.Core.Interceptors;

namespace AprOrleans.Silo.Api;

/// <summary>
/// Turns a cluster fault inside any gRPC handler into <c>UNAVAILABLE</c>: when a silo dies, the calls that were on their
/// way to it (a grain directory lookup, a grain call, an Orleans call timeout) fail with Orleans' own exceptions, which
/// gRPC would otherwise report as <c>UNKNOWN</c> ("Exception was thrown by handler"). The client cannot tell that from
/// a bug; <c>UNAVAILABLE</c> says what it is: retry, on this silo or another. Solve calls are idempotent under their
/// <c>solve_id</c>, experiment control calls are idempotent, and the trainer retries its calls.
/// </summary>
public sealed class ClusterFaultInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (IsClusterFault(e))
        {
            throw Unavailable(e);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (IsClusterFault(e))
        {
            throw Unavailable(e);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (IsClusterFault(e))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Orleans' runtime faults (a silo unreachable or gone, a message rejected) and call timeouts.</summary>
    public static bool IsClusterFault(Exception e) => e is Orleans.Runtime.OrleansException or TimeoutException;

    public static RpcException Unavailable(Exception e) =>
        new(new Status(StatusCode.Unavailable, $"the cluster could not complete the call ({e.GetType().Name}: {FirstLine(e.Message)}); retry"));

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0];
        return line.Length <= 200 ? line : line[..200] + "…";
    }
}
