namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// How one search thread behaves. SoS+: <see cref="InlineSubSearchProbability"/> 0.5, no spawning.
/// APR: spawning at levels below <see cref="MaxSpawnLevel"/> with <see cref="SpawnProbability"/> 0.9
/// (the released code's value; the paper's text says 10%), children searching with <see cref="ChildBeam"/>.
/// </summary>
public sealed record SearchSettings
{
    public required int Beam { get; init; }
    public double InlineSubSearchProbability { get; init; }
    public double SpawnProbability { get; init; }
    public int ChildBeam { get; init; }
    public int MaxSpawnLevel { get; init; } = 1;
    /// <summary>How kept successors are printed (the paper: shuffled).</summary>
    public SuccessorOrder Order { get; init; } = SuccessorOrder.Shuffled;
}
