using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>
/// The rows of a cached forward ordered longest cached sequence first (stable), so that rows of similar length sit
/// next to each other and attend in contiguous groups, or by slot for a region cache; <see cref="Restore"/> puts the output back in the caller's order.
/// </summary>
internal sealed class RowOrder
{
    private readonly int[] _order; // position i of the ordered batch holds the caller's row _order[i]

    private RowOrder(int[] order)
    {
        _order = order;
        IsIdentity = order.Select((row, i) => row == i).All(same => same);
    }

    public bool IsIdentity { get; }

    public static RowOrder LongestFirst(IReadOnlyList<int> lengths) =>
        new([.. Enumerable.Range(0, lengths.Count).OrderByDescending(row => lengths[row])]);

    /// <summary>Rows in ascending slot order (for a cache that reads consecutive slots as one view).</summary>
    public static RowOrder BySlot(IReadOnlyList<int> slots) =>
        new([.. Enumerable.Range(0, slots.Count).OrderBy(row => slots[row])]);

    public T[] Apply<T>(IReadOnlyList<T> rows) => [.. _order.Select(row => rows[row])];

    /// <summary>Rows of a caller-ordered [B, ...] tensor in this order.</summary>
    public Tensor Arrange(Tensor callerRows) => IsIdentity ? callerRows : callerRows.index_select(0, Index(_order, callerRows.device));

    /// <summary>Rows of an ordered [B, ...] tensor back in the caller's order.</summary>
    public Tensor Restore(Tensor orderedRows)
    {
        if (IsIdentity) return orderedRows;
        var inverse = new int[_order.Length];
        for (int i = 0; i < _order.Length; i++) inverse[_order[i]] = i;
        return orderedRows.index_select(0, Index(inverse, orderedRows.device));
    }

    private static Tensor Index(int[] rows, Device device) => tensor(rows.Select(r => (long)r).ToArray(), device: device);
}
