using AprOrleans.Silo.Hosting;
using Microsoft.AspNetCore.Builder;

namespace AprOrleans.Bench;

/// <summary>An in-process silo on free loopback ports, for benchmarks that measure the service path.</summary>
internal sealed class LoopbackSilo : IAsyncDisposable
{
    private LoopbackSilo(WebApplication app, int grpcPort) => (App, GrpcPort) = (app, grpcPort);

    public WebApplication App { get; }
    public int GrpcPort { get; }
    public string GrpcAddress => $"http://127.0.0.1:{GrpcPort}";

    /// <summary>Starts a silo named "bench" on one CPU device (memory storage unless <paramref name="settings"/> say otherwise).</summary>
    public static async Task<LoopbackSilo> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var ports = LoopbackPorts.Free();
        var all = LoopbackSiloSettings.For("bench", ports);
        all["Apr:Storage"] = "memory";
        foreach (var (key, value) in settings) all[key] = value;
        var app = await SiloHost.CreateAsync([], all);
        await app.StartAsync();
        return new LoopbackSilo(app, ports.Grpc);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
