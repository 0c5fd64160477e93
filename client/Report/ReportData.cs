using AprOrleans.Reasoning.Evaluation.Records;

namespace AprOrleans.Client.Report;

/// <summary>Everything a report shows, computed once from the runs: the curves behind each plot and the windows swept.</summary>
public sealed record ReportData(
    IReadOnlyList<RecordedRun> Runs,
    IReadOnlyList<int> Windows,
    IReadOnlyList<ReportSeries> Compute,
    IReadOnlyList<ReportSeries> ContextWindow,
    IReadOnlyList<ReportSeries> Latency,
    IReadOnlyList<ReportSeries> Sequential)
{
    /// <summary>Per-thread windows swept by default; those above every run's thread limit are dropped.</summary>
    public static readonly IReadOnlyList<int> DefaultWindows = [128, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096];

    public static ReportData From(IReadOnlyList<RecordedRun> runs, IReadOnlyList<int>? windows = null)
    {
        int largestLimit = runs.Max(r => r.Header.Limits.MaxTokensPerThread);
        var swept = (windows ?? [.. DefaultWindows.Where(w => w <= largestLimit)]).Order().ToList();
        if (swept.Count == 0) swept = [largestLimit];
        return new ReportData(runs, swept, ReportCurves.Compute(runs), ReportCurves.ContextWindow(runs, swept),
            ReportCurves.Latency(runs), ReportCurves.SequentialTokens(runs));
    }
}
