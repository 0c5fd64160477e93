using AprOrleans.Grains.Batching;
using AprOrleans.Grains.Decoding;
using AprOrleans.Grains.Placement;
using AprOrleans.Grains.Solving;
using AprOrleans.Grains.Weights;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;

namespace AprOrleans.Grains.Hosting;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// Registers what the grains need: silo-name placement, the local batcher router, and a decoder factory that
    /// fails clearly unless an engine (or a test) registered its own <see cref="IDecoderFactory"/> first or later;
    /// and cancellation of timed-out calls.
    /// </summary>
    public static ISiloBuilder AddAprGrains(this ISiloBuilder silo)
    {
        silo.AddPlacementDirector<SiloNamePlacement, SiloNamePlacementDirector>();
        // A call that times out is abandoned by its caller; without this its callee runs on, and a timed-out decode
        // would keep its engine slot and go on generating tokens nobody reads, slowing every request behind it.
        silo.Configure<SiloMessagingOptions>(o => o.CancelRequestOnTimeout = true);
        silo.Services.AddSingleton<LocalBatchers>();
        silo.Services.TryAddSingleton<IDecoderFactory, NoEngineDecoderFactory>();
        return silo;
    }

    /// <summary>
    /// Registers the sweep of stored solves older than <paramref name="retention"/> (zero, or no PostgreSQL: none):
    /// every silo registers the sweeper's reminder at start, which is idempotent.
    /// </summary>
    public static ISiloBuilder AddSolveRetention(this ISiloBuilder silo, string? postgresConnection, string serviceId, TimeSpan retention)
    {
        silo.Services.Configure<SolveRetentionOptions>(o => (o.ConnectionString, o.ServiceId, o.Retention) = (postgresConnection, serviceId, retention));
        if (postgresConnection is not null && retention > TimeSpan.Zero)
            silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>().GetGrain<Interfaces.Solving.ISolveRetentionGrain>(0).Start());
        return silo;
    }

    /// <summary>
    /// Registers the weight broadcast: the blob store (the shared weights volume when <paramref name="sharedDirectory"/>
    /// is given, else PostgreSQL when <paramref name="postgresConnection"/> is, else a directory under
    /// <paramref name="directory"/>), this silo's local copies, and its sync service (registry observer + poll),
    /// started when the silo becomes active.
    /// </summary>
    public static ISiloBuilder AddWeightSync(
        this ISiloBuilder silo, string directory, string? postgresConnection, string serviceId, string siloName, string? sharedDirectory = null)
    {
        silo.Services.Configure<WeightOptions>(o => (o.Directory, o.SharedDirectory, o.SiloName) = (directory, sharedDirectory, siloName));
        silo.Services.AddSingleton<IWeightStore>(sp => postgresConnection is null || sharedDirectory is not null
            ? new DirectoryWeightStore(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<WeightOptions>>().Value.StoreDirectory)
            : new PostgresWeightStore(postgresConnection, serviceId));
        silo.Services.AddSingleton<LocalWeightFiles>();
        silo.Services.AddSingleton<SiloWeightSync>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloWeightSync>());
        return silo;
    }
}
