using AprOrleans.Reasoning.Evaluation;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace AprOrleans.Client.Plots;

/// <summary>
/// Accuracy against compute and against latency, one curve per mode, drawn with OxyPlot to SVG from every
/// evaluation recorded in a results folder (each `apr eval --plots DIR` run adds a point).
/// </summary>
public static class EvalPlots
{
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<EvalSummary> results)
    {
        Directory.CreateDirectory(directory);
        var tokens = Path.Combine(directory, "accuracy_vs_total_tokens.svg");
        var latency = Path.Combine(directory, "accuracy_vs_latency.svg");
        Export(Plot("Accuracy vs total tokens", "mean total tokens per problem", results, r => r.MeanTotalTokens), tokens);
        Export(Plot("Accuracy vs latency", "mean latency per problem (ms)", results, r => r.MeanLatencyMs), latency);
        return [tokens, latency];
    }

    private static PlotModel Plot(string title, string xTitle, IReadOnlyList<EvalSummary> results, Func<EvalSummary, double> x)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomRight });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = xTitle, MinimumPadding = 0.05, MaximumPadding = 0.05 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "accuracy (%)", Minimum = 0, Maximum = 100 });
        foreach (var mode in results.GroupBy(r => r.Mode).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var series = new LineSeries { Title = mode.Key, MarkerType = MarkerType.Circle, MarkerSize = 4 };
            foreach (var r in mode.OrderBy(x)) series.Points.Add(new DataPoint(x(r), 100 * r.Accuracy));
            model.Series.Add(series);
        }
        return model;
    }

    /// <summary>Writes each plot to its file in <paramref name="directory"/> (created if missing); returns the paths in order.</summary>
    internal static IReadOnlyList<string> ExportAll(string directory, IEnumerable<(string File, PlotModel Model)> plots, int width = 720, int height = 460)
    {
        Directory.CreateDirectory(directory);
        var paths = new List<string>();
        foreach (var (file, model) in plots)
        {
            var path = Path.Combine(directory, file);
            Export(model, path, width, height);
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Writes <paramref name="model"/> as SVG, atomically (a reader never sees half a file).</summary>
    internal static void Export(PlotModel model, string path, int width = 720, int height = 460)
    {
        var temp = path + ".tmp";
        using (var stream = File.Create(temp)) new SvgExporter { Width = width, Height = height, UseVerticalTextAlignmentWorkaround = true }.Export(model, stream);
        File.Move(temp, path, overwrite: true);
    }
}
