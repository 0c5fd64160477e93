namespace AprOrleans.Trainer.Data;

/// <summary>
/// How much data one pool holds. <see cref="BatchPlanner"/> sorts a pool by length and cuts it into batches, so
/// padding stays small only when a pool spans many batches: with 128 Countdown-3 problems (~170 000 tokens) and
/// 65 536-token batches, a pool made under three batches and 27 % of the tokens were padding. New runs size their
/// pools to hold about <see cref="BatchesPerPool"/> batches; the minimums are the sizes used before, so runs with
/// small batches are planned exactly as they were.
/// </summary>
public static class PoolSizing
{
    public const int BatchesPerPool = 16;

    /// <summary>Generated problems per pool (a Countdown-3 APR demonstration holds ~1 300 tokens, Countdown-4 more).</summary>
    public static int Problems(int batchTokens) => Math.Max(128, BatchesPerPool * (batchTokens / 1024));

    /// <summary>File sequences per pool (a Countdown-3 APR sequence holds ~200 tokens).</summary>
    public static int FileSequences(int batchTokens) => Math.Max(1024, BatchesPerPool * (batchTokens / 128));
}
