using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>
/// A training forward whose rows carry <b>tails</b> after their main sequence: short branches that continue the main
/// sequence from some earlier point (a parent thread's spawn call, which its next segment dropped at the join). The
/// first <see cref="MainLength"/> positions of every row are an ordinary causal sequence at positions 0..MainLength−1;
/// the rest are tail tokens at their own positions (<see cref="Cos"/>/<see cref="Sin"/> for those), which attend as
/// <see cref="Mask"/> says: to the main keys before their branch point and to their own tail up to themselves. One
/// forward thus scores several sequences that share a prefix without computing the prefix twice.
/// </summary>
public sealed class TailAttention
{
    /// <summary>Main-sequence positions per row (the rest of the row is tails and padding).</summary>
    public required long MainLength { get; init; }
    /// <summary>Rotary cos for the tail tokens' positions, [B, 1, TailLength, HeadDim].</summary>
    public required Tensor Cos { get; init; }
    public required Tensor Sin { get; init; }
    /// <summary>[B, 1, TailLength, MainLength + TailLength], true = the tail query may attend that key.</summary>
    public required Tensor Mask { get; init; }
}
