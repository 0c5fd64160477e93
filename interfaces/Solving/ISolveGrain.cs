namespace AprOrleans.Interfaces.Solving;

/// <summary>
/// One solve (key: the solve id). Orleans calls time out after 30 s, so a solve is started and then polled:
/// <see cref="Start"/> returns at once, <see cref="Poll"/> waits briefly for progress. The outcome is persisted.
/// </summary>
[Alias("apr.ISolveGrain")]
public interface ISolveGrain : IGrainWithGuidKey
{
    /// <summary>Starts the solve; a repeated start of the same id (e.g. a client retry) changes nothing.</summary>
    [Alias("start")]
    Task<SolveSnapshot> Start(SolveSpec spec);

    /// <summary>
    /// Segments from index <paramref name="seen"/> on, waiting up to <paramref name="wait"/> (well under the call
    /// timeout) for one to appear or the solve to end.
    /// </summary>
    [Alias("poll")]
    Task<SolveSnapshot> Poll(int seen, TimeSpan wait);

    /// <summary>
    /// Waits up to <paramref name="wait"/> for the solve to end and returns its status and outcome without segments:
    /// what a caller that only wants the result needs, in one call per wait instead of one per segment.
    /// </summary>
    [Alias("wait-for-end")]
    Task<SolveSnapshot> WaitForEnd(TimeSpan wait);

    /// <summary>
    /// A client that called <see cref="Start"/> is gone before the end (its deadline passed or it cancelled). When no
    /// client is left watching a running solve, the solve is cancelled: its engine sequences leave the batch and its
    /// KV pages are freed, and its status becomes <see cref="SolveStatus.Cancelled"/>. A later <see cref="Start"/> of
    /// the same request runs it again.
    /// </summary>
    [Alias("detach")]
    Task Detach();
}
