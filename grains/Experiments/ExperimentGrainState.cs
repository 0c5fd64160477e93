using AprOrleans.Interfaces.Experiments;

namespace AprOrleans.Grains.Experiments;

/// <summary>An experiment's persisted state (Orleans binary serializer; field ids are the storage format: never reuse one).</summary>
[GenerateSerializer, Alias("apr.ExperimentGrainState")]
public sealed class ExperimentGrainState
{
    [Id(0)] public ExperimentSpec? Spec { get; set; }
    [Id(1)] public ExperimentState Status { get; set; }
    /// <summary>GRPO steps the trainer has reported; moves only through ReportStep.</summary>
    [Id(2)] public int Step { get; set; }
    [Id(3)] public long BaseVersion { get; set; }
    /// <summary>
    /// The version the trainer last reported (<see cref="BaseVersion"/> before the first step). Not stored: ReportStep
    /// accepts step s only with version base + s + 1 and then sets Step to s + 1, so it is always base + step.
    /// Id 4 once stored it: retired.
    /// </summary>
    public long WeightVersion => BaseVersion + Step;
    /// <summary>Steps 0 … RolloutStepsReady − 1 have every group stored.</summary>
    [Id(5)] public int RolloutStepsReady { get; set; }
    /// <summary>Stored groups of step <see cref="RolloutStepsReady"/> (the one being produced), by index.</summary>
    [Id(6)] public Dictionary<int, RolloutSummary> Produced { get; set; } = [];
    /// <summary>Rollout-side metrics of steps whose groups are complete but which the trainer has not reported yet.</summary>
    [Id(7)] public Dictionary<int, StepMetricsRecord> Pending { get; set; } = [];
    /// <summary>Every reported step's metrics, in step order.</summary>
    [Id(8)] public List<StepMetricsRecord> History { get; set; } = [];
    [Id(9)] public string? Error { get; set; }
    [Id(10)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(11)] public long Revision { get; set; }
    /// <summary>When production of step <see cref="RolloutStepsReady"/> began (its rollout_seconds).</summary>
    [Id(12)] public DateTimeOffset? StepStartedAt { get; set; }
}
