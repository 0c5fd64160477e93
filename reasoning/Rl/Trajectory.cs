using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Reasoning.Rl;

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
        new([.. TrainingSegments(root).Select(p => TrajectorySegment.From(p.Segment))], reward);

    /// <summary>The RL reward (DESIGN §3): 1 when the root's answer checks out exactly against the problem, else 0.</summary>
    public static double ExactReward(Problem problem, ThreadResult root) =>
        root.Answer is { } answer && SolutionChecker.Check(problem, answer).Valid ? 1 : 0;

    /// <summary>
    /// The segments a tree trains on, each with the thread it belongs to: every segment that generated tokens, of
    /// every thread, parent before children. Stored rollout groups keep the thread beside each segment.
    /// </summary>
    public static IEnumerable<(ThreadResult Thread, SegmentResult Segment)> TrainingSegments(ThreadResult root) =>
        root.SelfAndDescendants().SelectMany(t => t.Segments.Where(s => s.Generated.Count > 0).Select(s => (t, s)));

    /// <summary>The oldest weight version any of its tokens came from (what the staleness bound looks at).</summary>
    public long OldestVersion => Oldest(Segments.SelectMany(s => s.WeightVersions));

    /// <summary>The oldest of some tokens' weight versions; <see cref="long.MaxValue"/> without tokens, so no bound finds them stale.</summary>
    public static long Oldest(IEnumerable<long> weightVersions) => weightVersions.DefaultIfEmpty(long.MaxValue).Min();
}

/// <summary>A GRPO group: G trajectories sampled for the same problem.</summary>
public sealed record RolloutGroup(string ProblemKey, IReadOnlyList<Trajectory> Trajectories);
