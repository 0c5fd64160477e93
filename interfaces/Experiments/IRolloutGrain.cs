namespace AprOrleans.Interfaces.Experiments;

/// <summary>
/// One GRPO group (key <c>"{experiment}/{step}/{index}"</c>, see <see cref="RolloutSpec.Key"/>). A group takes far
/// longer than Orleans' 30 s call timeout, so it is started-then-polled: <see cref="Produce"/> starts the work in
/// the background of the activation (unless it runs already) and waits a bounded time for it. A stored group is
/// never recomputed; an unfinished one whose silo died is rerun by its next activation with the same seeds.
/// </summary>
[Alias("apr.IRolloutGrain")]
public interface IRolloutGrain : IGrainWithStringKey
{
    /// <summary>Starts (or joins) the group's production and waits up to <paramref name="wait"/> (keep it under 30 s).</summary>
    [Alias("produce")]
    Task<RolloutProgress> Produce(RolloutSpec spec, TimeSpan wait);

    /// <summary>The stored group, or null while it is not finished.</summary>
    [Alias("group")]
    Task<RolloutGroupRecord?> GetGroup();

    /// <summary>Deletes the stored group (its experiment is being deleted) and stops any production in flight.</summary>
    [Alias("forget")]
    Task Forget();
}
