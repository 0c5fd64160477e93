namespace AprOrleans.Interfaces.Weights;

/// <summary>
/// The cluster's record of the current weight version (one grain, key <see cref="Key"/>; persisted). The blob itself
/// lives in the weight store; the registry holds only its identity and pushes new versions to the silos' observers.
/// </summary>
[Alias("apr.IWeightRegistryGrain")]
public interface IWeightRegistryGrain : IGrainWithStringKey
{
    /// <summary>The one registry of a service.</summary>
    public const string Key = "current";

    [Alias("get-current")]
    Task<WeightVersionInfo> GetCurrent();

    /// <summary>
    /// Makes <paramref name="candidate"/> current if its version is above the current one (its blob must already be
    /// stored), then notifies every subscribed silo.
    /// </summary>
    [Alias("commit")]
    Task<WeightCommitResult> Commit(WeightVersionInfo candidate);

    /// <summary>Registers (or refreshes) a silo's observer; subscriptions expire unless renewed.</summary>
    [Alias("subscribe")]
    Task Subscribe(WeightSubscriber silo, IWeightObserver observer);

    /// <summary>The silos whose subscription is live, with their devices (for ListServing).</summary>
    [Alias("subscribers")]
    Task<WeightSubscriber[]> Subscribers();
}
