namespace AprOrleans.Model.Growth;

/// <summary>
/// Where each q/k/v projection row of a smaller model lands in a wider one so that RoPE rotates it the same way.
/// In the rotate_half layout feature i of a head of size D pairs with feature i + D/2 and turns at frequency
/// θ^(−2i/D). In a head of size D' = r·D, feature j turns at θ^(−2j/D'); j = r·i keeps the frequency, and
/// D'/2 + r·i is then its pair. So old feature i goes to r·i (first half) or D'/2 + r·(i − D/2) (second half);
/// the other features of a widened head are new.
/// </summary>
public static class RotaryRowMap
{
    /// <summary>
    /// New row index of every old row (old heads keep their index; feature positions spread as above).
    /// <paramref name="newHeadDim"/> must be a whole multiple of <paramref name="oldHeadDim"/>.
    /// </summary>
    public static long[] Build(int oldHeads, int oldHeadDim, int newHeadDim)
    {
        if (newHeadDim % oldHeadDim != 0)
            throw new ArgumentException($"head size {newHeadDim} is not a multiple of {oldHeadDim}: RoPE frequencies would not line up");
        int ratio = newHeadDim / oldHeadDim, oldHalf = oldHeadDim / 2, newHalf = newHeadDim / 2;
        var rows = new long[oldHeads * oldHeadDim];
        for (int head = 0; head < oldHeads; head++)
        {
            for (int feature = 0; feature < oldHeadDim; feature++)
            {
                int position = feature < oldHalf ? ratio * feature : newHalf + ratio * (feature - oldHalf);
                rows[head * oldHeadDim + feature] = (long)head * newHeadDim + position;
            }
        }
        return rows;
    }
}
