using System.CommandLine;
using System.Globalization;
using AprOrleans.Client.Report;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.IO;

namespace AprOrleans.Client.Commands;

/// <summary>
/// `apr report --runs DIR --out DIR`: every table and plot of the APR comparisons (compute, context window,
/// latency, temperature, paired tests) regenerated from recorded eval runs (`apr eval --record`), no model needed.
/// </summary>
public static class ReportCommand
{
    public const string MarkdownFile = "report.md";

    public static Command Build()
    {
        var runs = new Option<string>("--runs") { Description = "folder of recorded runs (*.jsonl from apr eval --record), all on one problem set", Required = true };
        var output = new Option<string>("--out") { Description = "folder to write report.md and the plots (SVG) to", Required = true };
        var windows = new Option<string?>("--windows") { Description = "per-thread context windows to sweep, comma-separated (default 128…4096 up to the runs' thread limit)" };
        var command = new Command("report", "Tables and plots of recorded eval runs: compute, context window, latency, temperature") { runs, output, windows };
        command.SetAction(parse =>
        {
            var recorded = ReportRuns.Read(parse.GetValue(runs)!);
            var data = ReportData.From(recorded, ParseWindows(parse.GetValue(windows)));
            var directory = parse.GetValue(output)!;
            Directory.CreateDirectory(directory);
            foreach (var plot in ReportPlots.Write(directory, data)) Console.Error.WriteLine($"wrote {plot}");
            var markdown = Path.Combine(directory, MarkdownFile);
            using (var file = new AtomicFileWriter(markdown))
            {
                file.Writer.Write(ReportTables.Markdown(data));
                file.Commit();
            }
            Console.WriteLine($"report of {recorded.Count} runs written to {markdown}");
            return 0;
        });
        return command;
    }

    private static IReadOnlyList<int>? ParseWindows(string? text)
    {
        if (text is null) return null;
        var windows = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int w) || w < 1)
                throw new UsageException($"--windows '{text}': '{part}' is not a positive number of tokens");
            windows.Add(w);
        }
        return windows;
    }
}
