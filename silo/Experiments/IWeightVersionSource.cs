namespace AprOrleans.Silo.Experiments;

/// <summary>
/// The weight registry's current version, as the experiment API needs it: an experiment records it as its
/// base_version when started, and a reported step's version must not be older. The weight registry replaces
/// <see cref="ConfiguredCheckpointVersion"/> when it is registered.
/// </summary>
public interface IWeightVersionSource
{
    Task<long> CurrentAsync(CancellationToken cancellationToken);
}

/// <summary>No registry: the silo serves its configured checkpoint, version 0 (training.proto's WeightVersion).</summary>
public sealed class ConfiguredCheckpointVersion : IWeightVersionSource
{
    public Task<long> CurrentAsync(CancellationToken cancellationToken) => Task.FromResult(0L);
}
