namespace AprOrleans.Model.Inference;

/// <summary>
/// Splits a batch ordered by slot into key groups for a region cache (<see cref="KvCache"/>): a group is a run of
/// consecutive slots of one tier, whose keys are one strided view. Where a run holds rows of very different lengths
/// (a child thread beside its parent), it is cut so that short rows are not padded to the longest: the split minimises
/// keys read plus a fixed price per group, exactly, over all cuts.
/// </summary>
public static class SlotRunGroups
{
    /// <summary>
    /// What one more group costs, in keys read (rows × key length): each group is a handful of tensor ops per layer
    /// (~10 µs each through TorchSharp, a kernel launch each on a GPU), about the time it takes to read this many keys.
    /// So a short row joins a long neighbour's group only while the long row is fewer than this many keys longer (the
    /// padding it would read costs less than a group): beside a 3 000-token parent a 100-token child gets its own.
    /// </summary>
    public const int GroupCostInKeys = 1024;

    /// <param name="orderedSlots">Each row's slot, ascending.</param>
    /// <param name="starts">Cached length of each row before this forward.</param>
    /// <param name="newTokens">Tokens every row appends in this forward (its padded width).</param>
    /// <param name="tierOf">The tier of a slot; a group never spans two.</param>
    public static IReadOnlyList<KeyGroup> Split(IReadOnlyList<int> orderedSlots, IReadOnlyList<int> starts, int newTokens, Func<int, int> tierOf)
    {
        int rows = orderedSlots.Count;
        // best[j]: cheapest split of rows [0, j); cut[j]: where its last group starts.
        var best = new long[rows + 1];
        var cut = new int[rows + 1];
        for (int end = 1; end <= rows; end++)
        {
            best[end] = long.MaxValue;
            int longest = 0;
            for (int first = end - 1; first >= 0; first--)
            {
                if (first < end - 1 && !Continues(orderedSlots, first, tierOf)) break;
                longest = Math.Max(longest, starts[first] + newTokens);
                long cost = best[first] + GroupCostInKeys + (long)(end - first) * longest;
                if (cost < best[end]) (best[end], cut[end]) = (cost, first);
            }
        }
        var groups = new List<KeyGroup>();
        for (int end = rows; end > 0; end = cut[end])
        {
            int first = cut[end];
            int longest = 0;
            for (int r = first; r < end; r++) longest = Math.Max(longest, starts[r] + newTokens);
            groups.Add(new KeyGroup(first, end - first, longest));
        }
        groups.Reverse();
        return groups;
    }

    /// <summary>Whether row <paramref name="row"/> + 1 holds the next slot of the same tier.</summary>
    private static bool Continues(IReadOnlyList<int> slots, int row, Func<int, int> tierOf) =>
        slots[row + 1] == slots[row] + 1 && tierOf(slots[row + 1]) == tierOf(slots[row]);
}
