using System.Text;
using System.Text.Json;
using AprOrleans.Silo.Api;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace AprOrleans.Silo.LiveView;

/// <summary>
/// Runs a gRPC service's own handler for a browser request, so the live view has no API of its own: the same
/// validation, admission and errors as a gRPC client gets. A unary call answers JSON (an error: an HTTP status and
/// <c>{"code","message"}</c>); a server stream answers server-sent events, <c>message</c> per message, then <c>end</c>,
/// or <c>error</c> with the same JSON.
/// </summary>
internal static class GrpcBridge
{
    /// <summary>Requests are a handful of numbers, as on the gRPC port; more is refused before parsing.</summary>
    private const int MaxRequestBytes = 64 << 10;

    public static async Task UnaryAsync<TResponse>(HttpContext http, string method, Func<ServerCallContext, Task<TResponse>> handler)
        where TResponse : IMessage
    {
        string body;
        try
        {
            body = LiveViewJson.Format(await handler(new BridgeCallContext(http, method)));
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            var status = StatusOf(e, http, method);
            http.Response.StatusCode = HttpStatusOf(status.StatusCode);
            body = ErrorJson(status);
        }
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body, http.RequestAborted);
    }

    public static async Task StreamAsync<TResponse>(HttpContext http, string method, Func<IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TResponse : IMessage
    {
        await ServerSentEventWriter<TResponse>.StartAsync(http.Response);
        string name, data;
        try
        {
            await handler(new ServerSentEventWriter<TResponse>(http.Response), new BridgeCallContext(http, method));
            (name, data) = ("end", "{}");
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            return; // the page went away; the handler has already detached from the call
        }
        catch (Exception e)
        {
            (name, data) = ("error", ErrorJson(StatusOf(e, http, method)));
        }
        await ServerSentEventWriter<TResponse>.WriteEventAsync(http.Response, name, data, http.RequestAborted);
    }

    /// <summary>The request body as message <typeparamref name="T"/>; not its JSON (or too large) is INVALID_ARGUMENT, as on the gRPC port.</summary>
    public static async Task<T> ReadRequestAsync<T>(HttpContext http) where T : IMessage, new()
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxRequestBytes)
                throw Invalid($"the request body is over {MaxRequestBytes} bytes");
        }
        var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        try
        {
            return LiveViewJson.Parse<T>(text.Length == 0 ? "{}" : text);
        }
        catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
        {
            throw Invalid($"the request body is not a {new T().Descriptor.Name} in JSON: {e.Message}");
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    /// <summary>The gRPC status the handler's exception would have reached a gRPC client as (see <see cref="ClusterFaultInterceptor"/>).</summary>
    private static Status StatusOf(Exception e, HttpContext http, string method)
    {
        if (e is RpcException rpc) return rpc.Status;
        if (ClusterFaultInterceptor.IsClusterFault(e)) return ClusterFaultInterceptor.Unavailable(e).Status;
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GrpcBridge)).LogError(e, "Live view call {Method} failed", method);
        return new Status(StatusCode.Unknown, $"the silo failed the call ({e.GetType().Name}); its log has the details");
    }

    // Relaxed escaping keeps quotes in messages readable; the JSON goes to a JSON or event-stream response, never into HTML.
    private static readonly JsonSerializerOptions ErrorJsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string ErrorJson(Status status) =>
        JsonSerializer.Serialize(new { code = CodeName(status.StatusCode), message = status.Detail }, ErrorJsonOptions);

    /// <summary>gRPC's canonical code names (INVALID_ARGUMENT, …), as gRPC clients print them.</summary>
    private static string CodeName(StatusCode code) =>
        string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();

    /// <summary>The HTTP status gRPC's HTTP mapping gives each code.</summary>
    private static int HttpStatusOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => 400,
        StatusCode.Unauthenticated => 401,
        StatusCode.PermissionDenied => 403,
        StatusCode.NotFound => 404,
        StatusCode.AlreadyExists or StatusCode.Aborted => 409,
        StatusCode.ResourceExhausted => 429,
        StatusCode.Cancelled => 499,
        StatusCode.Unimplemented => 501,
        StatusCode.Unavailable => 503,
        StatusCode.DeadlineExceeded => 504,
        _ => 500,
    };
}
