using AprOrleans.Interfaces.Batching;

namespace AprOrleans.Interfaces.Solving;

/// <summary>Bounds on one spawn/join tree on the wire (mirrors the runtime's TreeLimits).</summary>
[GenerateSerializer, Immutable, Alias("apr.TreeLimitsWire")]
public sealed record TreeLimitsWire(
    [property: Id(0)] int MaxChildrenPerSpawn,
    [property: Id(1)] int MaxDepth,
    [property: Id(2)] int MaxTokensPerThread,
    [property: Id(3)] int MaxTotalTokens,
    [property: Id(4)] int MaxSpawnsPerThread);

/// <summary>A validated solve: the problem, the limits (serial mode is depth 0) and sampling.</summary>
[GenerateSerializer, Immutable, Alias("apr.SolveSpec")]
public sealed record SolveSpec(
    [property: Id(0)] int[] Numbers,
    [property: Id(1)] int Target,
    [property: Id(2)] bool Serial,
    [property: Id(3)] TreeLimitsWire Limits,
    [property: Id(4)] SamplingWire Sampling)
{
    /// <summary>Same problem, mode, limits and sampling (records compare arrays by reference, so numbers are compared here).</summary>
    public bool SameRequest(SolveSpec other) =>
        Numbers.AsSpan().SequenceEqual(other.Numbers) && Target == other.Target && Serial == other.Serial
        && Limits == other.Limits && Sampling == other.Sampling;
}
