using AprOrleans.Api;
using AprOrleans.Grains.Decoding;
using AprOrleans.Silo.Hosting;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace AprOrleans.Tests.Service;

/// <summary>
/// Real silos in this process, each a full silo host (Orleans + gRPC + health) on its own loopback ports,
/// clustered through the test PostgreSQL. Every cluster gets fresh cluster and service ids unless given some,
/// so tests never see each other's silos or state.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public sealed record SiloHandle(string Name, WebApplication App, int GrpcPort, int HttpPort, int SiloPort)
    {
        public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();
        public GrpcChannel Channel { get; } = GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");
        public Solver.SolverClient Solver => new(Channel);
    }

    /// <summary>The admin token every test silo is configured with (admin gRPC calls send it as a bearer token).</summary>
    public const string AdminToken = "test-admin-token-5f0c9a7e3b1d4268";

    /// <summary>The scripted decoders every silo of the cluster serves (unless <c>decodersFor</c> named others).</summary>
    public ScriptedDecoderFactory Decoders { get; }
    public string ServiceId { get; }
    public IReadOnlyList<SiloHandle> Silos => _silos;
    private readonly List<SiloHandle> _silos;

    private TestCluster(string serviceId, List<SiloHandle> silos, ScriptedDecoderFactory decoders) => (ServiceId, _silos, Decoders) = (serviceId, silos, decoders);

    public SiloHandle this[string name] => Silos.Single(s => s.Name == name);

    /// <param name="adminToken">The silos' Apr:AdminToken (default <see cref="AdminToken"/>).</param>
    /// <param name="decodersFor">Each silo's decoder factory by silo name, in place of the shared scripted one.</param>
    /// <param name="sharedWeights">The silos' Apr:SharedWeightsDirectory (one directory for all of them), or none.</param>
    /// <param name="extra">More configuration for every silo (e.g. <c>Apr:MaxSolvesInFlight</c>), applied last.</param>
    public static async Task<TestCluster> StartAsync(
        IReadOnlyList<string> siloNames, string? serviceId = null, bool withEngine = true, string storage = "postgres", string? checkpoint = null,
        string? adminToken = null, Func<string, IDecoderFactory>? decodersFor = null, string? sharedWeights = null,
        IReadOnlyDictionary<string, string?>? extra = null)
    {
        serviceId ??= "svc-" + Guid.NewGuid().ToString("N")[..12];
        var clusterId = "cl-" + Guid.NewGuid().ToString("N")[..12];
        var decoders = new ScriptedDecoderFactory();
        var silos = new List<SiloHandle>();
        try
        {
            foreach (var name in siloNames)
            {
                var ports = LoopbackPorts.Free();
                var settings = LoopbackSiloSettings.For(name, ports);
                settings["Apr:ClusterId"] = clusterId;
                settings["Apr:ServiceId"] = serviceId;
                settings["Apr:Storage"] = storage;
                settings["Apr:ConnectionString"] = storage == "postgres" ? TestPostgres.ConnectionString : null;
                // Without the scripted engine the silo runs the real one on this (absent) checkpoint.
                settings["Apr:Checkpoint"] = checkpoint ?? "/nonexistent/apr-checkpoint";
                settings["Apr:AdminToken"] = adminToken ?? AdminToken;
                settings["Apr:SharedWeightsDirectory"] = sharedWeights;
                // Scripted decoders have no slots to protect: admission is the subject of SolveAdmissionTests alone.
                settings["Apr:MaxSolvesInFlight"] = "256";
                foreach (var (key, value) in extra ?? new Dictionary<string, string?>()) settings[key] = value;
                var app = await SiloHost.CreateAsync([], settings, services =>
                {
                    if (withEngine) services.AddSingleton<IDecoderFactory>(decodersFor?.Invoke(name) ?? decoders);
                });
                await app.StartAsync();
                silos.Add(new SiloHandle(name, app, ports.Grpc, ports.Http, ports.Silo));
            }
            var cluster = new TestCluster(serviceId, silos, decoders);
            await cluster.WaitForMembersAsync();
            return cluster;
        }
        catch
        {
            foreach (var silo in silos) await StopAsync(silo);
            throw;
        }
    }

    /// <summary>Waits until every silo sees every other as active (joining takes a few membership rounds).</summary>
    private async Task WaitForMembersAsync()
    {
        var names = Silos.Select(s => s.Name).ToHashSet();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        foreach (var silo in Silos)
        {
            var membership = silo.App.Services.GetRequiredService<IClusterMembershipService>();
            while (!membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).ToHashSet().SetEquals(names))
            {
                if (limit.IsCancellationRequested) throw new TimeoutException($"silo {silo.Name} did not see all of {string.Join(", ", names)} as active");
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Stops one silo (a clean shutdown: it hands off its grains and leaves the membership) and forgets it.</summary>
    public async Task StopSiloAsync(string name)
    {
        var silo = this[name];
        _silos.Remove(silo);
        await StopAsync(silo);
    }

    private static async Task StopAsync(SiloHandle silo)
    {
        silo.Channel.Dispose();
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await silo.App.StopAsync(limit.Token);
        }
        finally
        {
            await silo.App.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Last silo first, so the first one's shutdown does not wait on a departing peer.
        for (int i = Silos.Count - 1; i >= 0; i--) await StopAsync(Silos[i]);
        // The silos' weight files (uploads, local copies; the store itself with memory storage), under the default WeightsDirectory.
        var weights = Path.Combine(Path.GetTempPath(), "apr-weights", ServiceId);
        if (Directory.Exists(weights)) Directory.Delete(weights, recursive: true);
    }
}

/// <summary>One two-silo cluster (silo-a, silo-b) shared by the service tests that do not restart it.</summary>
public sealed class TwoSiloFixture : IAsyncLifetime
{
    internal TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(["silo-a", "silo-b"]);

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TwoSiloCollection : ICollectionFixture<TwoSiloFixture>
{
    public const string Name = "two-silo cluster";
}
