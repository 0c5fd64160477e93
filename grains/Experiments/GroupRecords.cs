using AprOrleans.Countdown.Problems;
using AprOrleans.Interfaces.Experiments;
using AprOrleans.Reasoning.Rl;
using AprOrleans.Reasoning.Runtime;
// This class's Trajectory method hides the type's name inside it.
using RlTrajectory = AprOrleans.Reasoning.Rl.Trajectory;

namespace AprOrleans.Grains.Experiments;

/// <summary>Turns sampled spawn/join trees into the stored group: flattened segments, exact-checker rewards, counts.</summary>
public static class GroupRecords
{
    /// <summary>One tree: every generated segment of every thread (parents and children alike), reward 1 when the root's answer checks out.</summary>
    public static RolloutTrajectoryRecord Trajectory(Problem problem, ThreadResult root)
    {
        var threads = root.SelfAndDescendants().ToList();
        var segments = RlTrajectory.TrainingSegments(root).Select(p => Segment(p.Thread, TrajectorySegment.From(p.Segment))).ToList();
        return new RolloutTrajectoryRecord(
            RlTrajectory.ExactReward(problem, root),
            root.Answer ?? "",
            segments,
            threads.Count,
            threads.Sum(t => t.Spawns.Count),
            threads.Sum(t => t.Spawns.Sum(spawn => spawn.Count)),
            root.TotalGeneratedTokens,
            root.SequentialTokens);
    }

    /// <summary>A training segment as stored, with the node and level of the thread it came from.</summary>
    private static RolloutSegmentRecord Segment(ThreadResult thread, TrajectorySegment s) =>
        new(thread.NodeId, thread.Level, s.Context, s.Generated, s.SamplerLogProbs, s.WeightVersions);

    /// <summary>What the experiment keeps of a stored group for its step metrics.</summary>
    public static RolloutSummary Summary(RolloutGroupRecord group) => new(
        group.Index,
        [.. group.Trajectories.Select(t => t.Reward)],
        group.Trajectories.Sum(t => t.Spawns),
        group.Trajectories.Sum(t => t.Children),
        group.Trajectories.Average(t => t.TotalTokens),
        group.Trajectories.Average(t => t.SequentialTokens),
        RlTrajectory.Oldest(group.Trajectories.SelectMany(t => t.Segments).SelectMany(s => s.WeightVersions)),
        group.SiloName);
}
