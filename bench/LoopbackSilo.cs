using System.Net;
using System.Net.Sockets;
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
        var ports = FreePorts(4);
        var all = new Dictionary<string, string?>
        {
            ["Apr:SiloName"] = "bench", ["Apr:Storage"] = "memory", ["Apr:AdvertisedAddress"] = "127.0.0.1", ["Apr:ListenAddress"] = "127.0.0.1",
            ["Apr:SiloPort"] = ports[0].ToString(), ["Apr:GatewayPort"] = ports[1].ToString(),
            ["Apr:GrpcPort"] = ports[2].ToString(), ["Apr:HttpPort"] = ports[3].ToString(),
            ["Apr:Devices:0"] = "cpu:0",
            ["Logging:LogLevel:Default"] = "Warning", ["Logging:LogLevel:Orleans"] = "Error",
        };
        foreach (var (key, value) in settings) all[key] = value;
        var app = await SiloHost.CreateAsync([], all);
        await app.StartAsync();
        return new LoopbackSilo(app, ports[2]);
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
