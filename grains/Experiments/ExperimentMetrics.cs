using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AprOrleans.Interfaces.Experiments;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// Exported per-step metrics (meter <c>AprOrleans.Experiments</c>): gauges of the last completed step of every
/// experiment this silo hosts, tagged with the experiment's name, and a counter of stored rollout groups.
/// </summary>
public static class ExperimentMetrics
{
    public const string MeterName = "AprOrleans.Experiments";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<string, StepMetricsRecord> Latest = new(StringComparer.Ordinal);
    private static readonly Counter<long> Groups = Meter.CreateCounter<long>("apr.experiment.groups", "{group}", "rollout groups stored");

    static ExperimentMetrics()
    {
        Gauge("apr.experiment.step", "{step}", "steps the trainer has reported", m => m.Step + 1);
        Gauge("apr.experiment.reward_mean", null, "mean reward of the last step's trajectories", m => m.RewardMean);
        Gauge("apr.experiment.accuracy", null, "fraction of the last step's trajectories whose answer checks out", m => m.Accuracy);
        Gauge("apr.experiment.zero_advantage_fraction", null, "groups of the last step whose rewards are all equal", m => m.ZeroAdvantageFraction);
        Gauge("apr.experiment.children_per_spawn", null, "children per spawn in the last step", m => m.ChildrenPerSpawn);
        Gauge("apr.experiment.total_tokens", "{token}", "mean total tokens per trajectory", m => m.TotalTokens);
        Gauge("apr.experiment.sequential_tokens", "{token}", "mean sequential tokens per trajectory", m => m.SequentialTokens);
        Gauge("apr.experiment.rollout_seconds", "s", "wall time of the last step's rollouts", m => m.RolloutSeconds);
        Gauge("apr.experiment.loss", null, "trainer loss of the last step", m => m.Loss);
        Gauge("apr.experiment.kl", null, "trainer KL of the last step", m => m.Kl);
        Gauge("apr.experiment.train_seconds", "s", "trainer time of the last step", m => m.TrainSeconds);
        Gauge("apr.experiment.weight_version", "{version}", "weight version published after the last step", m => m.WeightVersion);
    }

    public static void StepCompleted(string experiment, StepMetricsRecord metrics) => Latest[experiment] = metrics;

    public static void GroupStored(string experiment) => Groups.Add(1, new KeyValuePair<string, object?>("experiment", experiment));

    private static void Gauge(string name, string? unit, string description, Func<StepMetricsRecord, double> value) =>
        Meter.CreateObservableGauge(name, () => Latest.Select(e =>
            new Measurement<double>(value(e.Value), new KeyValuePair<string, object?>("experiment", e.Key))), unit, description);
}
