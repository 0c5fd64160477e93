namespace AprOrleans.Interfaces.Experiments;

/// <summary>
/// What one rollout group is: group (<see cref="Step"/>, <see cref="Index"/>) of an experiment with
/// <see cref="Config"/>, its problem drawn from (config's problem seed, step, index), sampled group-size times.
/// The whole config travels rather than copies of the fields a group uses, so the two cannot drift apart. Ids 3–7
/// once held such copies: retired, not reused, so a silo of another build never reads one field as another.
/// </summary>
[GenerateSerializer, Immutable, Alias("apr.RolloutSpec")]
public sealed record RolloutSpec(
    [property: Id(0)] string Experiment,
    [property: Id(1)] int Step,
    [property: Id(2)] int Index,
    [property: Id(8)] ExperimentSpec Config)
{
    /// <summary>The rollout grain's key, <c>"{experiment}/{step}/{index}"</c>.</summary>
    public string Key => RolloutKey(Experiment, Step, Index);

    public static string RolloutKey(string experiment, int step, int index) => $"{experiment}/{step}/{index}";
}

/// <summary>One generated segment of one thread: the training sequence (DESIGN §8).</summary>
[GenerateSerializer, Immutable, Alias("apr.RolloutSegmentRecord")]
public sealed record RolloutSegmentRecord(
    [property: Id(0)] string NodeId,
    [property: Id(1)] int Level,
    [property: Id(2)] int[] Context,
    [property: Id(3)] int[] Generated,
    [property: Id(4)] float[] LogProbs,
    [property: Id(5)] long[] WeightVersions);

/// <summary>One sampled spawn/join tree of a group, flattened, with the exact checker's reward.</summary>
[GenerateSerializer, Immutable, Alias("apr.RolloutTrajectoryRecord")]
public sealed record RolloutTrajectoryRecord(
    [property: Id(0)] double Reward,
    [property: Id(1)] string Answer,
    [property: Id(2)] IReadOnlyList<RolloutSegmentRecord> Segments,
    [property: Id(3)] int Threads,
    [property: Id(4)] int Spawns,
    [property: Id(5)] int Children,
    [property: Id(6)] int TotalTokens,
    [property: Id(7)] int SequentialTokens);

/// <summary>A finished GRPO group, stored once in its rollout grain and never changed.</summary>
[GenerateSerializer, Immutable, Alias("apr.RolloutGroupRecord")]
public sealed record RolloutGroupRecord(
    [property: Id(0)] int Step,
    [property: Id(1)] int Index,
    [property: Id(2)] int[] Numbers,
    [property: Id(3)] int Target,
    [property: Id(4)] IReadOnlyList<RolloutTrajectoryRecord> Trajectories,
    [property: Id(5)] double RolloutSeconds,
    [property: Id(6)] string SiloName,
    [property: Id(7)] DateTimeOffset CompletedAt);

/// <summary>The numbers of a finished group the experiment needs for its step metrics (no token data).</summary>
[GenerateSerializer, Immutable, Alias("apr.RolloutSummary")]
public sealed record RolloutSummary(
    [property: Id(0)] int Index,
    [property: Id(1)] double[] Rewards,
    [property: Id(2)] int Spawns,
    [property: Id(3)] int Children,
    [property: Id(4)] double MeanTotalTokens,
    [property: Id(5)] double MeanSequentialTokens,
    [property: Id(6)] long OldestWeightVersion,
    [property: Id(7)] string SiloName);

/// <summary>Where a rollout stands: its summary once the group is stored, else the last error of a failed attempt, if any.</summary>
[GenerateSerializer, Immutable, Alias("apr.RolloutProgress")]
public sealed record RolloutProgress(
    [property: Id(0)] RolloutSummary? Done,
    [property: Id(1)] string? Error);
