using AprOrleans.Reasoning.Rl;

namespace AprOrleans.Trainer.Grpo;

/// <summary>One trajectory chosen for training, with the advantage every one of its segments shares.</summary>
public sealed record WeightedTrajectory(Trajectory Trajectory, double Advantage);

/// <summary>What <see cref="GroupAdvantages.Compute"/> kept and why it dropped the rest (for the step's metrics).</summary>
public sealed record AdvantageResult(IReadOnlyList<WeightedTrajectory> Kept, int Groups, int ZeroVarianceGroups, int StaleTrajectories);

/// <summary>GRPO advantages: each trajectory's reward against its group's mean (and std, unless Dr. GRPO).</summary>
public static class GroupAdvantages
{
    public const double Epsilon = 1e-10;

    public static AdvantageResult Compute(IReadOnlyList<RolloutGroup> groups, GrpoSettings settings, long currentVersion)
    {
        var kept = new List<WeightedTrajectory>();
        int zeroVariance = 0, stale = 0;
        foreach (var group in groups)
        {
            var rewards = group.Trajectories.Select(t => t.Reward).ToArray();
            double mean = rewards.Average();
            double std = Math.Sqrt(rewards.Sum(r => (r - mean) * (r - mean)) / rewards.Length);
            bool flat = rewards.All(r => r == rewards[0]);
            if (flat) zeroVariance++;
            if (flat && settings.DropZeroVarianceGroups) continue;
            foreach (var t in group.Trajectories)
            {
                if (settings.StalenessBound is { } bound && t.OldestVersion < currentVersion - bound) { stale++; continue; }
                double advantage = settings.DrGrpo ? t.Reward - mean : (t.Reward - mean) / (std + Epsilon);
                kept.Add(new WeightedTrajectory(t, advantage));
            }
        }
        return new AdvantageResult(kept, groups.Count, zeroVariance, stale);
    }
}
