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
    [property: Id(8)] char? EverySolutionUses = null);

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
