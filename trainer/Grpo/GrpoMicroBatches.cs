using AprOrleans.Reasoning.Rl;

namespace AprOrleans.Trainer.Grpo;

/// <summary>How a step's rows are grouped into micro-batches.</summary>
public enum MicroBatchPacking
{
    /// <summary>Rows sorted by length, any trajectory's rows together, cut where padding is least (the default).</summary>
    ByLength,
    /// <summary>Whole trajectories in arrival order (the earlier packing; kept for the benchmark's side-by-side).</summary>
    ByTrajectory,
}

/// <summary>
/// Packs a step's rows into micro-batches of at most a given number of padded tokens. An APR trajectory mixes a
/// long parent (hundreds of tokens per segment) with short children (tens), so batching whole trajectories pads
/// every child to its parent's length. <see cref="MicroBatchPacking.ByLength"/> sorts the rows by length and then
/// cuts the sorted list where the total padded positions are least (an exact dynamic program over the cut points):
/// filling each batch greedily to the budget padded a third of the positions on real APR steps, because a batch
/// that starts at a 1 500-token parent takes every row down to a few hundred tokens. Rows are independent in the
/// loss, so the packing changes the cost, not the update (up to float summation order). The sort is stable and the
/// program breaks ties one way, so a step's batches are the same on every run (resume stays exact).
/// </summary>
public static class GrpoMicroBatches
{
    /// <summary>
    /// What one more micro-batch costs, in positions: its forward/backward launch overhead and the smaller matrix
    /// products of a thin batch. It keeps the program from cutting a batch per distinct length for a few padded
    /// positions saved.
    /// </summary>
    public const int BatchOverheadPositions = 256;

    public static IEnumerable<List<GrpoRow>> Pack(IReadOnlyList<WeightedTrajectory> kept, long maxPaddedTokens, MicroBatchPacking packing) =>
        packing == MicroBatchPacking.ByLength
            ? ByLength(GrpoRow.Of(kept), maxPaddedTokens)
            : ByTrajectory(kept, maxPaddedTokens);

    /// <summary>Padded positions (rows × (the longest main sequence + the longest tails), summed) a packing costs.</summary>
    public static long PaddedTokens(IEnumerable<List<GrpoRow>> batches) => batches.Sum(BatchPositions);

    /// <summary>Positions a batch occupies: every row padded to the longest main sequence and the longest tails.</summary>
    public static long BatchPositions(IReadOnlyCollection<GrpoRow> batch) => (long)batch.Count * (batch.Max(r => r.MainWidth) + batch.Max(r => r.TailWidth));

    /// <summary>
    /// The rows longest first, cut into consecutive batches minimizing Σ (rows × width + overhead) with every batch
    /// within the budget (a row wider than the budget goes alone). O(rows × rows per batch).
    /// </summary>
    private static IEnumerable<List<GrpoRow>> ByLength(IEnumerable<GrpoRow> rows, long maxPaddedTokens)
    {
        var sorted = rows.OrderByDescending(r => r.MainWidth).ThenByDescending(r => r.TailWidth).ToList();
        int n = sorted.Count;
        var best = new long[n + 1];
        var cutAt = new int[n + 1];
        for (int end = 1; end <= n; end++)
        {
            best[end] = long.MaxValue;
            int tails = 0;
            for (int start = end - 1; start >= 0; start--)
            {
                // Sorted longest first: the batch [start, end) has its first row's main length; tails vary.
                tails = Math.Max(tails, sorted[start].TailWidth);
                long padded = (long)(end - start) * (sorted[start].MainWidth + tails);
                if (padded > maxPaddedTokens && end - start > 1) break;
                long cost = best[start] + padded + BatchOverheadPositions;
                if (cost < best[end]) (best[end], cutAt[end]) = (cost, start);
            }
        }
        var batches = new List<List<GrpoRow>>();
        for (int end = n; end > 0; end = cutAt[end]) batches.Add(sorted.GetRange(cutAt[end], end - cutAt[end]));
        batches.Reverse();
        return batches;
    }

    private static IEnumerable<List<GrpoRow>> ByTrajectory(IReadOnlyList<WeightedTrajectory> kept, long maxPaddedTokens)
    {
        var part = new List<GrpoRow>();
        int width = 0;
        foreach (var t in kept)
        {
            var rows = GrpoRow.Of([t]).ToList();
            int tWidth = rows.Max(r => r.Width);
            if (part.Count > 0 && (long)(part.Count + rows.Count) * Math.Max(width, tWidth) > maxPaddedTokens)
            {
                yield return part;
                (part, width) = ([], 0);
            }
            part.AddRange(rows);
            width = Math.Max(width, tWidth);
        }
        if (part.Count > 0) yield return part;
    }
}
