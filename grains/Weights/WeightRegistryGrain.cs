using AprOrleans.Interfaces.Weights;
using Microsoft.Extensions.Logging;

namespace AprOrleans.Grains.Weights;

/// <summary>
/// The cluster's current weight version (persisted) and the silos listening for new ones. Observers are kept in
/// memory only and expire unless renewed; a silo that misses a notification catches up by polling.
/// </summary>
public sealed partial class WeightRegistryGrain(
    [PersistentState("weights", StorageNames.Weights)] IPersistentState<WeightRegistryState> state,
    ILogger<WeightRegistryGrain> logger) : Grain, IWeightRegistryGrain
{
    private readonly Dictionary<string, (WeightSubscriber Silo, IWeightObserver Observer, DateTime Seen)> _subscribers = new(StringComparer.Ordinal);

    public Task<WeightVersionInfo> GetCurrent() => Task.FromResult(state.State.Current ?? WeightVersionInfo.Configured);

    public async Task<WeightCommitResult> Commit(WeightVersionInfo candidate)
    {
        var current = state.State.Current ?? WeightVersionInfo.Configured;
        if (candidate.Version == current.Version && candidate.Sha256 == current.Sha256)
            return new WeightCommitResult(WeightCommitOutcome.Unchanged, current);
        if (candidate.Version <= current.Version)
            return new WeightCommitResult(WeightCommitOutcome.Stale, current);
        state.State.Current = candidate;
        await state.WriteStateAsync();
        LogCommitted(candidate.Version, candidate.Sha256);
        Notify(candidate);
        return new WeightCommitResult(WeightCommitOutcome.Committed, candidate);
    }

    public Task Subscribe(WeightSubscriber silo, IWeightObserver observer)
    {
        _subscribers[silo.SiloName] = (silo, observer, DateTime.UtcNow);
        return Task.CompletedTask;
    }

    public Task<WeightSubscriber[]> Subscribers()
    {
        DropExpired();
        return Task.FromResult(_subscribers.Values.Select(s => s.Silo).OrderBy(s => s.SiloName, StringComparer.Ordinal).ToArray());
    }

    private void Notify(WeightVersionInfo version)
    {
        DropExpired();
        foreach (var (name, subscriber) in _subscribers)
        {
            try
            {
                // One-way: the silo fetches and loads in the background; the commit does not wait for it.
                _ = subscriber.Observer.Published(version);
            }
            catch (Exception e)
            {
                LogNotifyFailed(name, e);
            }
        }
    }

    private void DropExpired()
    {
        var cutoff = DateTime.UtcNow - WeightOptions.SubscriptionLifetime;
        foreach (var name in _subscribers.Where(s => s.Value.Seen < cutoff).Select(s => s.Key).ToList()) _subscribers.Remove(name);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Weight version {Version} ({Sha256}) is current")]
    private partial void LogCommitted(long version, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify silo {Silo} of a new weight version; it will find it by polling")]
    private partial void LogNotifyFailed(string silo, Exception error);
}
