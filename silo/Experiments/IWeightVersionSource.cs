using AprOrleans.Interfaces.Weights;

namespace AprOrleans.Silo.Experiments;

/// <summary>
/// The weight registry's current version, as the experiment API needs it: an experiment records it as its
/// base_version when started, and a reported step's version must not be older.
/// </summary>
public interface IWeightVersionSource
{
    Task<long> CurrentAsync(CancellationToken cancellationToken);
}

/// <summary>The cluster's weight registry (version 0 = the configured checkpoint, before anything is published).</summary>
public sealed class RegistryWeightVersion(IGrainFactory grains) : IWeightVersionSource
{
    public async Task<long> CurrentAsync(CancellationToken cancellationToken) =>
        (await grains.GetGrain<IWeightRegistryGrain>(IWeightRegistryGrain.Key).GetCurrent()).Version;
}
