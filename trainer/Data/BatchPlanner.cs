using AprOrleans.Countdown.Solvers;

namespace AprOrleans.Trainer.Data;

/// <summary>One planned batch: the sequences (indices into the pool) padded to a common length.</summary>
public sealed record PlannedBatch(IReadOnlyList<int[]> Sequences)
{
    /// <summary>Model input length: the longest sequence minus one (inputs drop the last token, targets the first).</summary>
    public int Length => Sequences.Max(s => s.Length) - 1;
    public int RealTokens => Sequences.Sum(s => s.Length - 1);
    public int PaddedTokens => Sequences.Count * Length;
}

/// <summary>
/// Length bucketing: sorts a pool by length and cuts it into batches of at most <c>batchTokens</c> padded tokens
/// (rows × longest), so rows in a batch have nearly equal lengths and padding stays small — without packing,
/// which would need a block-diagonal mask and lose the flash kernel. The batch order is then shuffled with a
/// seed derived from (seed, pool), so the plan is a pure function of its inputs.
/// </summary>
public static class BatchPlanner
{
    public static IReadOnlyList<PlannedBatch> Plan(IReadOnlyList<int[]> pool, int batchTokens, int seed, long poolIndex)
    {
        var sorted = pool.Select((s, i) => (s, i)).OrderBy(x => x.s.Length).ThenBy(x => x.i).Select(x => x.s).ToList();
        var batches = new List<PlannedBatch>();
        var current = new List<int[]>();
        int longest = 0;
        foreach (var sequence in sorted)
        {
            if (sequence.Length < 2) continue; // nothing to predict
            int newLongest = Math.Max(longest, sequence.Length - 1);
            if (current.Count > 0 && (current.Count + 1) * newLongest > batchTokens)
            {
                batches.Add(new PlannedBatch(current));
                current = [];
                newLongest = sequence.Length - 1;
            }
            current.Add(sequence);
            longest = newLongest;
        }
        if (current.Count > 0) batches.Add(new PlannedBatch(current));
        var shuffled = batches.ToArray();
        new Random(DeterministicSeed.For(seed, 1_000_000_000L + poolIndex)).Shuffle(shuffled);
        return shuffled;
    }
}
