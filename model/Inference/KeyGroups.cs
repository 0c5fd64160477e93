namespace AprOrleans.Model.Inference;

/// <summary>Splits a batch, ordered longest first, into groups whose rows have similar key lengths.</summary>
public static class KeyGroups
{
    /// <summary>
    /// A row joins the current group while its key length is at least this fraction of the group's longest, so a
    /// group reads at most 1.5× the keys its rows need. Each extra group costs a handful of tensor ops per layer,
    /// which is why the groups are not finer.
    /// </summary>
    private const double MinFractionOfLongest = 2.0 / 3.0;

    /// <summary>Key lengths up to this many positions always share one group: padding them costs less than an extra group.</summary>
    private const int ShortKeyLength = 64;

    /// <param name="starts">Cached length of each row before this forward, in non-increasing order.</param>
    /// <param name="newTokens">Tokens every row appends in this forward (its padded width).</param>
    public static IReadOnlyList<KeyGroup> Split(IReadOnlyList<int> starts, int newTokens)
    {
        var groups = new List<KeyGroup>();
        int first = 0;
        for (int row = 1; row <= starts.Count; row++)
        {
            int longest = starts[first] + newTokens;
            bool closes = row == starts.Count
                || starts[row] > starts[row - 1]
                || (longest > ShortKeyLength && starts[row] + newTokens < longest * MinFractionOfLongest);
            if (!closes) continue;
            groups.Add(new KeyGroup(first, row - first, longest));
            first = row;
        }
        return groups;
    }
}
