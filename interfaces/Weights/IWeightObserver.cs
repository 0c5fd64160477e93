using Orleans.Concurrency;

namespace AprOrleans.Interfaces.Weights;

/// <summary>
/// A silo's listener for new weight versions (push). Observers are not durable: the silo re-subscribes
/// periodically and also polls the registry, so a lost notification only delays the switch.
/// </summary>
[Alias("apr.IWeightObserver")]
public interface IWeightObserver : IGrainObserver
{
    /// <summary>A new version is current; the silo fetches it and switches its batchers (in the background).</summary>
    [Alias("published"), OneWay]
    Task Published(WeightVersionInfo version);
}
