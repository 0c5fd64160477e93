namespace AprOrleans.Model.Inference;

/// <summary>
/// <see cref="Slots"/> cache slots that each own a contiguous region of <see cref="Capacity"/> positions. A region cache
/// mixes tiers so that short sequences (child threads) do not reserve a long sequence's (their parent's) memory.
/// </summary>
public sealed record SlotTier(int Slots, int Capacity);
