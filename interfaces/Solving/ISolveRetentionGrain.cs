namespace AprOrleans.Interfaces.Solving;

/// <summary>
/// The cluster's one sweeper of stored solves (key 0): a reminder (kept in PostgreSQL, so it survives every silo)
/// deletes the solves stored longer ago than the retention setting. Experiments' rollout groups are not solves and
/// are never swept.
/// </summary>
[Alias("apr.ISolveRetentionGrain")]
public interface ISolveRetentionGrain : IGrainWithIntegerKey
{
    /// <summary>Registers the sweep reminder (idempotent: every silo calls it at start).</summary>
    [Alias("start")]
    Task Start();

    /// <summary>Deletes the expired solves now; returns how many were deleted.</summary>
    [Alias("sweep")]
    Task<int> Sweep();
}
