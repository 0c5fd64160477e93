using AprOrleans.Client.Plots;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace AprOrleans.Client.Report;

/// <summary>The report's four plots (the paper's Figs. 4a, 4b and 6), drawn with OxyPlot to SVG.</summary>
public static class ReportPlots
{
    public const string Compute = "accuracy_vs_total_tokens.svg";
    public const string ContextWindow = "accuracy_vs_context_window.svg";
    public const string Latency = "accuracy_vs_latency.svg";
    public const string Sequential = "accuracy_vs_sequential_tokens.svg";

    public static IReadOnlyList<string> Write(string directory, ReportData data)
    {
        var plots = new (string File, PlotModel Model)[]
        {
            (Compute, Plot("Accuracy vs compute", "mean total tokens per problem (every thread's whole sequence)", data.Compute, logX: true)),
            (ContextWindow, Plot("Accuracy vs context window (a sample counts if its longest thread fits)", "tokens per thread", data.ContextWindow, logX: true)),
            (Latency, Plot("Accuracy vs latency", "mean wall time per problem (s)", data.Latency, logX: false)),
            (Sequential, Plot("Accuracy vs sequential tokens", "mean sequential tokens per problem (longest thread)", data.Sequential, logX: false)),
        };
        // The legend goes below the plot, left-aligned: curve names are long (model, mode, budget kind, temperature) and
        // OxyPlot's SVG export measures text narrower than it is drawn, so a legend at the right edge gets cut.
        return EvalPlots.ExportAll(directory, plots, width: 900, height: 640);
    }

    /// <summary>
    /// The curve's name padded with no-break spaces: OxyPlot's SVG export sizes the legend by its own estimate of
    /// the text's width, about two thirds of what a renderer draws, and clips each entry to that box.
    /// </summary>
    private static string LegendTitle(string name) => name + new string('\u00A0', name.Length);

    private static readonly MarkerType[] ModelMarkers = [MarkerType.Circle, MarkerType.Square, MarkerType.Diamond, MarkerType.Triangle];

    private static PlotModel Plot(string title, string xTitle, IReadOnlyList<ReportSeries> series, bool logX)
    {
        var model = new PlotModel { Title = title, TitleFontSize = 13, Background = OxyColors.White, Padding = new OxyThickness(8, 16, 8, 8) };
        model.Legends.Add(new Legend
        {
            LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.BottomLeft,
            LegendOrientation = LegendOrientation.Vertical, LegendFontSize = 10
        });
        model.Axes.Add(logX
            ? new LogarithmicAxis { Position = AxisPosition.Bottom, Title = xTitle, MinimumPadding = 0.05, MaximumPadding = 0.05 }
            : new LinearAxis { Position = AxisPosition.Bottom, Title = xTitle, MinimumPadding = 0.05, MaximumPadding = 0.05 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "accuracy (%)", Minimum = 0, Maximum = 100 });
        // One marker shape per model: with more curves than the palette's colours, a colour comes back, and the shape
        // still tells an APR curve from an SoS+ one.
        var models = series.Select(s => s.Model).Distinct().ToList();
        foreach (var s in series)
        {
            var marker = ModelMarkers[models.IndexOf(s.Model) % ModelMarkers.Length];
            var line = new LineSeries { Title = LegendTitle(s.Name), MarkerType = marker, MarkerSize = 3.5 };
            foreach (var p in s.Points.Where(p => !logX || p.X > 0)) line.Points.Add(new DataPoint(p.X, 100 * p.Accuracy));
            model.Series.Add(line);
        }
        return model;
    }
}
