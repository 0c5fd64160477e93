using AprOrleans.Model.Runtime;

namespace AprOrleans.Model.Rl;

/// <summary>
/// One training sequence of a trajectory: the context a thread segment was decoded from and the tokens the
/// sampler generated, with the sampler's log-probability and weight version per generated token.
/// </summary>
public sealed record TrajectorySegment(int[] Context, int[] Generated, float[] SamplerLogProbs, long[] WeightVersions)
{
    public static TrajectorySegment From(SegmentResult s) =>
        new([.. s.Context], [.. s.Generated], [.. s.LogProbs], [.. s.WeightVersions]);
}

/// <summary>
/// One sampled spawn/join tree flattened for GRPO: every segment of every thread (parent segments and children
/// alike, as in the paper) and the tree's reward (1 when the root's answer checks out exactly, else 0).
/// </summary>
public sealed record Trajectory(IReadOnlyList<TrajectorySegment> Segments, double Reward)
{
    public static Trajectory From(ThreadResult root, double reward) =>
        new([.. root.SelfAndDescendants().SelectMany(t => t.Segments).Where(s => s.Generated.Count > 0).Select(TrajectorySegment.From)], reward);

    /// <summary>The oldest weight version any of its tokens came from (what the staleness bound looks at).</summary>
    public long OldestVersion => Segments.SelectMany(s => s.WeightVersions).DefaultIfEmpty(long.MaxValue).Min();
}

/// <summary>A GRPO group: G trajectories sampled for the same problem.</summary>
public sealed record RolloutGroup(string ProblemKey, IReadOnlyList<Trajectory> Trajectories);
