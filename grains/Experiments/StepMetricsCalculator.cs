using AprOrleans.Interfaces.Experiments;

namespace AprOrleans.Grains.Experiments;

/// <summary>The rollout side of a step's metrics (DESIGN §8), from the summaries of all its groups.</summary>
public static class StepMetricsCalculator
{
    public static StepMetricsRecord Rollouts(int step, IReadOnlyCollection<RolloutSummary> groups, TimeSpan elapsed)
    {
        var rewards = groups.SelectMany(g => g.Rewards).ToList();
        int spawns = groups.Sum(g => g.Spawns);
        var oldest = groups.Select(g => g.OldestWeightVersion).Where(v => v != long.MaxValue).DefaultIfEmpty(0).Min();
        return new StepMetricsRecord
        {
            Step = step,
            RewardMean = rewards.DefaultIfEmpty(0).Average(),
            Accuracy = rewards.Count == 0 ? 0 : rewards.Count(r => r >= 1) / (double)rewards.Count,
            ZeroAdvantageFraction = groups.Count == 0 ? 0 : groups.Count(g => g.Rewards.Distinct().Count() <= 1) / (double)groups.Count,
            ChildrenPerSpawn = spawns == 0 ? 0 : groups.Sum(g => g.Children) / (double)spawns,
            // Every group has G trajectories, so the mean of the group means is the mean per trajectory.
            SequentialTokens = groups.Select(g => g.MeanSequentialTokens).DefaultIfEmpty(0).Average(),
            TotalTokens = groups.Select(g => g.MeanTotalTokens).DefaultIfEmpty(0).Average(),
            RolloutSeconds = elapsed.TotalSeconds,
            OldestWeightVersion = oldest,
        };
    }
}
