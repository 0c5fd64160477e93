using AprOrleans.Model.Rl;

namespace AprOrleans.Trainer.Grpo;

/// <summary>How a step's rows are grouped into micro-batches.</summary>
public enum MicroBatchPacking
{
    /// <summary>Rows sorted by length, any trajectory's rows together (the default).</summary>
    ByLength,
    /// <summary>Whole trajectories in arrival order (the earlier packing; kept for the benchmark's side-by-side).</summary>
    ByTrajectory,
}

/// <summary>
/// Packs a step's rows into micro-batches of at most a given number of padded tokens. An APR trajectory mixes a
/// long parent (hundreds of tokens per segment) with short children (tens), so batching whole trajectories pads
/// every child to its parent's length; sorting the rows by length first keeps each batch's rows alike. Rows are
/// independent in the loss, so the packing changes the cost, not the update (up to float summation order). The
/// sort is stable, so a step's batches are the same on every run (resume stays exact).
/// </summary>
public static class GrpoMicroBatches
{
    public static IEnumerable<List<GrpoRow>> Pack(IReadOnlyList<WeightedTrajectory> kept, long maxPaddedTokens, MicroBatchPacking packing) =>
        packing == MicroBatchPacking.ByLength
            ? ByLength(GrpoRow.Of(kept), maxPaddedTokens)
            : ByTrajectory(kept, maxPaddedTokens);

    /// <summary>Padded tokens (rows × the batch's widest row, summed) a packing costs.</summary>
    public static long PaddedTokens(IEnumerable<List<GrpoRow>> batches) => batches.Sum(b => (long)b.Count * b.Max(r => r.Width));

    private static IEnumerable<List<GrpoRow>> ByLength(IEnumerable<GrpoRow> rows, long maxPaddedTokens)
    {
        var part = new List<GrpoRow>();
        int width = 0;
        foreach (var row in rows.OrderByDescending(r => r.Width))
        {
            // Rows come longest first, so a batch is as wide as its first row.
            if (part.Count > 0 && (long)(part.Count + 1) * width > maxPaddedTokens)
            {
                yield return part;
                part = [];
            }
            if (part.Count == 0) width = row.Width;
            part.Add(row);
        }
        if (part.Count > 0) yield return part;
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
