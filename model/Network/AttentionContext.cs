using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>
/// Everything one forward pass shares across layers: the rotary cos/sin for the new tokens and, when decoding
/// incrementally, where the new keys/values go in the cache and which cached keys each query may see. Built once
/// per forward (not per layer) because each TorchSharp op costs ~10 µs of .NET overhead.
/// </summary>
public sealed class AttentionContext
{
    public required Tensor Cos { get; init; }
    public required Tensor Sin { get; init; }

    /// <summary>Null for a plain causal forward over the given tokens (training, scoring).</summary>
    public CacheStep? Cache { get; init; }

    /// <summary>Tails after each row's main sequence (a training forward without cache only); null = none.</summary>
    public TailAttention? Tails { get; init; }
}

/// <summary>The cache side of a forward pass: write positions, and the row groups that attend over the cache.</summary>
public sealed class CacheStep
{
    public required IKvCache Cache { get; init; }
    /// <summary>[B, T] slot index per new token (the row's slot, repeated), for index_put_.</summary>
    public required Tensor WriteSlots { get; init; }
    /// <summary>[B, T] absolute position per new token.</summary>
    public required Tensor WritePositions { get; init; }
    /// <summary>The batch's rows in groups of similar key length (consecutive rows, in order).</summary>
    public required IReadOnlyList<GroupAttention> Groups { get; init; }
    /// <summary>One new token per row, attended by the cache itself over its storage (<see cref="IKvCache.AttendDecode"/>).</summary>
    public required bool DecodeInPlace { get; init; }
    /// <summary>Every row starts at position 0: attend over the new keys with the causal flag (flash-eligible).</summary>
    public required bool FreshPrefill { get; init; }
}
