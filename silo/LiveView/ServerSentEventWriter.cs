using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace AprOrleans.Silo.LiveView;

/// <summary>
/// A gRPC server stream written as server-sent events: each message becomes one <c>message</c> event whose data is
/// the message in protobuf's JSON mapping (the field names of the .proto, in lowerCamelCase), flushed at once so
/// the page sees a thread's segment as soon as the handler writes it.
/// </summary>
internal sealed class ServerSentEventWriter<T>(HttpResponse response) : IServerStreamWriter<T> where T : IMessage
{
    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message) => WriteAsync(message, response.HttpContext.RequestAborted);

    public Task WriteAsync(T message, CancellationToken cancellationToken) =>
        WriteEventAsync(response, "message", LiveViewJson.Format(message), cancellationToken);

    /// <summary>Sends the response headers of an event stream (before the first event, so the page sees the stream open).</summary>
    public static async Task StartAsync(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies that buffer responses (nginx by default) would hold the events back.
        response.Headers["X-Accel-Buffering"] = "no";
        await response.Body.FlushAsync(response.HttpContext.RequestAborted);
    }

    /// <summary>One event; <paramref name="data"/> is a single line of JSON, so it needs no splitting.</summary>
    public static async Task WriteEventAsync(HttpResponse response, string name, string data, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {name}\ndata: {data}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
