using static TorchSharp.torch;

namespace AprOrleans.Model.Inference;

/// <summary>
/// What an incremental forward needs from a key/value cache. One forward pass is: <see cref="Starts"/> (plan
/// where each row's new tokens go; may claim memory), <see cref="PlanReads"/> (which rows attend together over
/// how many positions), then per layer <see cref="Write"/> and <see cref="Read"/> for each group, then
/// <see cref="Commit"/>. Two implementations: <see cref="KvCache"/> (a contiguous region per sequence, read as views)
/// and <see cref="PagedKvCache"/> (memory in pages, proportional to the tokens held).
/// </summary>
public interface IKvCache
{
    ModelConfig Config { get; }

    /// <summary>Tokens cached for <paramref name="slot"/> (= the position of its next token).</summary>
    int Length(int slot);

    /// <summary>Plans a forward in which row b appends <paramref name="newTokens"/> tokens to slot <paramref name="slots"/>[b]; returns each row's start position.</summary>
    int[] Starts(IReadOnlyList<int> slots, int newTokens);

    /// <summary>
    /// Whether the forward orders its rows by slot (ascending) before <see cref="Starts"/>, rather than longest cached
    /// first: a cache that reads a run of consecutive slots as one view wants its groups to follow slots.
    /// </summary>
    bool OrdersRowsBySlot => false;

    /// <summary>The key groups of the ordered rows: rows that attend together over one key length.</summary>
    IReadOnlyList<KeyGroup> GroupRows(IReadOnlyList<int> orderedSlots, IReadOnlyList<int> starts, int newTokens) =>
        KeyGroups.Split(starts, newTokens);

    /// <summary>Prepares the reads of the planned forward: one per group and layer (built once, used by every layer).</summary>
    void PlanReads(IReadOnlyList<KeyGroup> groups);

    /// <summary>Stores the new keys/values [B, H, T, D] of the planned forward at (slot, position).</summary>
    void Write(int layer, Tensor keys, Tensor values, Tensor writeSlots, Tensor writePositions);

    /// <summary>Keys/values of one planned group's rows over positions [0, KeyLength): [Rows, H, KeyLength, D].</summary>
    (Tensor Keys, Tensor Values) Read(int layer, KeyGroup group);

    /// <summary>
    /// True when <see cref="AttendDecode"/> can compute a decode step's attention over the cache as it is stored
    /// (no <see cref="Read"/>); the forward then plans no key groups.
    /// </summary>
    bool AttendsDecodeInPlace { get; }

    /// <summary>
    /// Attention of the planned decode step (one new token per row, already written) over each row's cached
    /// positions: queries [B, H, 1, D] → [B, H, 1, D]. Only when <see cref="AttendsDecodeInPlace"/>.
    /// </summary>
    Tensor AttendDecode(int layer, Tensor queries);

    /// <summary>Advances each row's length by its real (unpadded) token count.</summary>
    void Commit(IReadOnlyList<int> slots, IReadOnlyList<int> added);
}
