using AprOrleans.Api;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace AprOrleans.Client.Plots;

/// <summary>An experiment's training curves against the GRPO step, drawn with OxyPlot to SVG (`apr experiment plot`).</summary>
public static class ExperimentPlots
{
    public static IReadOnlyList<string> Write(string directory, ExperimentHistory history)
    {
        var steps = history.Steps;
        var files = new (string File, PlotModel Model)[]
        {
            ("reward.svg", Plot($"{history.Name}: reward", "mean reward", steps, ("reward", s => s.RewardMean))),
            ("accuracy.svg", Plot($"{history.Name}: accuracy", "accuracy (%)", steps, ("accuracy", s => 100 * s.Accuracy))),
            ("children_per_spawn.svg", Plot($"{history.Name}: children per spawn", "children per spawn", steps, ("children per spawn", s => s.ChildrenPerSpawn))),
            ("tokens.svg", Plot($"{history.Name}: tokens per trajectory", "tokens", steps,
                ("total", s => s.TotalTokens), ("sequential", s => s.SequentialTokens))),
        };
        return EvalPlots.ExportAll(directory, files);
    }

    private static PlotModel Plot(string title, string yTitle, IEnumerable<StepMetrics> steps, params (string Title, Func<StepMetrics, double> Y)[] curves)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomRight });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "GRPO step", MinimumPadding = 0.05, MaximumPadding = 0.05 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yTitle, MinimumPadding = 0.05, MaximumPadding = 0.05 });
        foreach (var (curveTitle, y) in curves)
        {
            var series = new LineSeries { Title = curveTitle, MarkerType = MarkerType.Circle, MarkerSize = 3 };
            foreach (var s in steps.OrderBy(s => s.Step)) series.Points.Add(new DataPoint(s.Step, y(s)));
            model.Series.Add(series);
        }
        return model;
    }
}
