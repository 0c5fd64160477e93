using System.Text;
using AprOrleans.Api;
using AprOrleans.Interfaces.Experiments;

namespace AprOrleans.Client.Rendering;

/// <summary>How `apr experiment` shows an experiment: a short block, one line of a list, or one live progress line while watching.</summary>
public static class ExperimentView
{
    public static string Render(Experiment e)
    {
        var text = new StringBuilder();
        var c = e.Config;
        text.AppendLine($"experiment {e.Name}  {Status(e.Status)}  step {e.Step}/{c.MaxSteps}  weights v{e.WeightVersion} (base v{e.BaseVersion})");
        text.AppendLine($"config     Countdown-{c.Numbers}, {c.ProblemsPerStep} problems x G={c.GroupSize} per step, rollout_ahead {c.RolloutAhead}, seed {c.ProblemSeed}, temperature {c.Sampling.Temperature}{Filter(c)}");
        text.AppendLine($"rollouts   {Rollouts(e)}");
        if (e.Latest is { } m) text.AppendLine($"latest     {Metrics(m)}");
        if (e.Error.Length > 0) text.AppendLine($"error      {e.Error}");
        return text.ToString();
    }

    /// <summary>`apr experiment list`: one line per experiment, names padded to the longest so the columns line up.</summary>
    public static string RenderList(IReadOnlyList<Experiment> experiments)
    {
        int width = experiments.Select(e => e.Name.Length).DefaultIfEmpty(0).Max();
        var text = new StringBuilder();
        foreach (var e in experiments)
        {
            var line = $"{e.Name.PadRight(width)}  {Status(e.Status),-7}  step {e.Step}/{e.Config.MaxSteps}  weights v{e.WeightVersion}";
            text.AppendLine(e.Latest is { } m ? $"{line}  reward {m.RewardMean:F3}" : line);
        }
        return text.ToString();
    }

    public static string Status(ExperimentStatus status) => status.ToString().Replace("Experiment", "", StringComparison.Ordinal).ToUpperInvariant();

    private static string Filter(ExperimentConfig c) =>
        c.EverySolutionUses.Length == 0 ? ""
        : c.HasEverySolutionUsesShare
            ? $", {ExperimentSpec.FilteredGroups(c.EverySolutionUsesShare, c.ProblemsPerStep)} of them with problems whose every solution uses '{c.EverySolutionUses}'"
            : $", problems whose every solution uses '{c.EverySolutionUses}'";

    private static string Rollouts(Experiment e) =>
        e.RolloutStepsReady >= e.Config.MaxSteps
            ? $"all {e.Config.MaxSteps} steps produced"
            : $"{(e.RolloutStepsReady == 0 ? "no step ready" : $"steps 0..{e.RolloutStepsReady - 1} ready")}; step {e.RolloutStepsReady}: {e.GroupsReady}/{e.Config.ProblemsPerStep} groups";

    private static string Metrics(StepMetrics m) =>
        $"step {m.Step}: reward {m.RewardMean:F3}  accuracy {m.Accuracy:P1}  children/spawn {m.ChildrenPerSpawn:F2}  " +
        $"tokens {m.TotalTokens:F0} (sequential {m.SequentialTokens:F0})  loss {m.Loss:F4}  rollouts {m.RolloutSeconds:F1} s  train {m.TrainSeconds:F1} s";

    /// <summary>One line per change, redrawn in place on a terminal, appended when output is a file or pipe.</summary>
    public sealed class LiveLine
    {
        private readonly bool _interactive = !Console.IsOutputRedirected;

        public void Show(Experiment e)
        {
            int total = Math.Max(1, e.Config.ProblemsPerStep);
            const int width = 20;
            int filled = e.RolloutStepsReady >= e.Config.MaxSteps ? width : e.GroupsReady * width / total;
            var line = $"{e.Name} {Status(e.Status)} step {e.Step}/{e.Config.MaxSteps} [{new string('#', filled)}{new string('-', width - filled)}] " +
                       $"{Rollouts(e)}{(e.Latest is { } m ? $" | reward {m.RewardMean:F3} accuracy {m.Accuracy:P1}" : "")}";
            if (_interactive) Console.Write("\r" + line.PadRight(Math.Min(Math.Max(Console.WindowWidth - 1, 0), 200)));
            else Console.WriteLine(line);
        }

        public void End()
        {
            if (_interactive) Console.WriteLine();
        }
    }
}
