using AprOrleans.Reasoning.Rl;
using Wire = AprOrleans.Api;

namespace AprOrleans.Trainer.Grpo;

/// <summary>Wire rollout groups (training.proto) as the objective's <see cref="RolloutGroup"/>s, checked for consistency.</summary>
public static class RolloutGroupMapping
{
    public static RolloutGroup ToModel(Wire.RolloutGroup group)
    {
        var key = $"{group.Step}/{group.Index}: {string.Join(' ', group.Numbers)} -> {group.Target}";
        var trajectories = group.Trajectories.Select((t, i) => new Trajectory(
            [.. t.Segments.Select((s, j) => Segment(s, $"group {key}, trajectory {i}, segment {j}"))], t.Reward)).ToList();
        return new RolloutGroup(key, trajectories);
    }

    private static TrajectorySegment Segment(Wire.RolloutSegment s, string where)
    {
        // A malformed group would silently mis-align tokens and log-probs in the loss; refuse it instead.
        if (s.LogProbs.Count != s.Generated.Count || s.WeightVersions.Count != s.Generated.Count)
            throw new InvalidDataException($"{where}: {s.Generated.Count} generated tokens but {s.LogProbs.Count} log-probs and {s.WeightVersions.Count} versions");
        if (s.Context.Count == 0) throw new InvalidDataException($"{where}: empty context");
        return new TrajectorySegment([.. s.Context], [.. s.Generated], [.. s.LogProbs], [.. s.WeightVersions]);
    }
}
