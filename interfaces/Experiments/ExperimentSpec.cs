using AprOrleans.Interfaces.Batching;
using AprOrleans.Interfaces.Solving;

namespace AprOrleans.Interfaces.Experiments;

/// <summary>A validated experiment configuration with every default filled in (training.proto's ExperimentConfig).</summary>
[GenerateSerializer, Immutable, Alias("apr.ExperimentSpec")]
public sealed record ExperimentSpec(
    [property: Id(0)] int Numbers,
    [property: Id(1)] long ProblemSeed,
    [property: Id(2)] int GroupSize,
    [property: Id(3)] int ProblemsPerStep,
    [property: Id(4)] int MaxSteps,
    [property: Id(5)] int RolloutAhead,
    [property: Id(6)] SamplingWire Sampling,
    [property: Id(7)] TreeLimitsWire Limits,
    // Added after the first runs were stored: an older stored spec reads back as null, every solvable problem.
    [property: Id(8)] char? EverySolutionUses = null,
    // Null: every group of a step is filtered (also how specs stored before the share existed read back).
    [property: Id(9)] double? EverySolutionUsesShare = null)
{
    /// <summary>How many of a step's groups (the first ones) are drawn with <see cref="EverySolutionUses"/>.</summary>
    public int FilteredGroupsPerStep =>
        EverySolutionUses is null ? 0
        : EverySolutionUsesShare is { } share ? FilteredGroups(share, ProblemsPerStep)
        : ProblemsPerStep;

    /// <summary>The operation every solution of group <paramref name="index"/>'s problem must use, or null.</summary>
    public char? RequiredOperation(int index) => index < FilteredGroupsPerStep ? EverySolutionUses : null;

    /// <summary>round(share × groups), halves away from zero: the one rounding the validator and the draw share.</summary>
    public static int FilteredGroups(double share, int groupsPerStep) =>
        (int)Math.Round(share * groupsPerStep, MidpointRounding.AwayFromZero);
}

[GenerateSerializer, Alias("apr.ExperimentStatus")]
public enum ExperimentState
{
    /// <summary>No experiment was ever created under this name.</summary>
    Unknown = 0,
    Created = 1,
    Running = 2,
    Paused = 3,
    Done = 4,
    Failed = 5,
}
