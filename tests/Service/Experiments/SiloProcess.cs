using AprOrleans.Silo.Hosting;
using AprOrleans.Tests.K8s;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>
/// The real silo binary (this checkout's build) as a separate process on PostgreSQL, with the real engine on a
/// checkpoint. <see cref="Kill"/> is SIGKILL: no shutdown code runs, as when a node dies.
/// </summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly ContainerRun.Running _process;
    private readonly int _siloPort;
    private bool _gone;

    public int GrpcPort { get; }

    private SiloProcess(ContainerRun.Running process, int grpcPort, int siloPort) => (_process, GrpcPort, _siloPort) = (process, grpcPort, siloPort);

    /// <summary>
    /// Settings for one silo, as the environment variables a silo process reads: the shared loopback settings (name,
    /// four free ports, one CPU device, quiet logging) plus its ids, PostgreSQL, the engine's checkpoint and the admin token (none: admin calls refused).
    /// </summary>
    public static Dictionary<string, string> Settings(string serviceId, string checkpoint, string? adminToken)
    {
        var settings = LoopbackSiloSettings.For("crash-silo", LoopbackPorts.Free());
        settings["Apr:ClusterId"] = serviceId;
        settings["Apr:ServiceId"] = serviceId;
        settings["Apr:Storage"] = "postgres";
        settings["Apr:ConnectionString"] = TestPostgres.ConnectionString;
        settings["Apr:Checkpoint"] = checkpoint;
        settings["Apr:EngineSlots"] = "16";
        if (adminToken is not null) settings["Apr:AdminToken"] = adminToken;
        // Configuration keys become environment variables with "__" for the ":" separator.
        return settings.ToDictionary(kv => kv.Key.Replace(":", "__"), kv => kv.Value!);
    }

    /// <summary>Starts the silo and waits until /readyz answers.</summary>
    public static async Task<SiloProcess> StartAsync(Dictionary<string, string> settings)
    {
        var directory = ContainerRun.MapImagePath("/app/silo/");
        var plan = new ContainerRun.Plan("dotnet", [Path.Combine(directory, "AprOrleans.Silo.dll")], settings);
        var process = new ContainerRun.Running(plan, directory);
        var silo = new SiloProcess(process, int.Parse(settings["Apr__GrpcPort"]), int.Parse(settings["Apr__SiloPort"]));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"the silo exited ({process.ExitCode}) before it was ready:\n{process.Output}");
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{settings["Apr__HttpPort"]}/readyz");
                if (response.IsSuccessStatusCode) return silo;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline)
            {
                process.Dispose();
                throw new TimeoutException($"the silo was not ready within 3 minutes:\n{process.Output}");
            }
            await Task.Delay(250);
        }
    }

    public string Output => _process.Output;

    public int ProcessId => _process.ProcessId;

    /// <summary>SIGKILL, then waits until the process is gone (its silo port can be bound again).</summary>
    public async Task KillAsync()
    {
        Dispose();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, _siloPort);
                probe.Start();
                probe.Stop();
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    public void Dispose()
    {
        if (_gone) return;
        _gone = true;
        _process.Dispose();
    }
}
