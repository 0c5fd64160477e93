using System.Globalization;
using AprOrleans.Reasoning.Evaluation.Records;

namespace AprOrleans.Client.Report;

/// <summary>
/// The report's curves, built from recorded runs:
/// <list type="bullet">
/// <item>single-sample runs (apr, serial) of one model, mode, budget kind and temperature make one curve, a point per
/// budget (an unconditioned run is a curve of its own);</item>
/// <item>a self-consistency run of N samples makes two curves, cons@n and pass@n for n = 1..N, compute summed over
/// the n samples.</item>
/// </list>
/// </summary>
public static class ReportCurves
{
    /// <summary>Accuracy against total tokens counted as the paper counts them: every thread's whole sequence.</summary>
    public static IReadOnlyList<ReportSeries> Compute(IReadOnlyList<RecordedRun> runs) =>
        [.. SingleSample(runs, r => RunStatistics.MeanSequenceTokens(r)), .. SelfConsistency(runs)];

    public static IReadOnlyList<ReportSeries> Latency(IReadOnlyList<RecordedRun> runs) =>
        SingleSample(runs, r => RunStatistics.MeanLatencyMs(r) / 1000.0);

    /// <summary>Accuracy against the paper's sequential tokens: the longest single sequence (thread) of a sample.</summary>
    public static IReadOnlyList<ReportSeries> SequentialTokens(IReadOnlyList<RecordedRun> runs) =>
        SingleSample(runs, RunStatistics.MeanLongestThread);

    /// <summary>
    /// Accuracy against the per-thread context window (a sample counts only if its longest thread fits), for each
    /// unconditioned single-sample run at the lowest temperature its model and mode were run at.
    /// </summary>
    public static IReadOnlyList<ReportSeries> ContextWindow(IReadOnlyList<RecordedRun> runs, IReadOnlyList<int> windows) =>
        [.. WindowRuns(runs).Select(run => new ReportSeries(run.Header.Label,
            $"{run.Header.Label} · {run.Header.Mode}{Temperature(run)}",
            [.. windows.Select(w => new ReportPoint(w, RunStatistics.ConsAt(run, 1, w), $"window {w}"))]))];

    public static IEnumerable<RecordedRun> WindowRuns(IReadOnlyList<RecordedRun> runs) =>
        Plain(runs)
            .GroupBy(r => (r.Header.Label, r.Header.Mode))
            .Select(g => g.MinBy(r => r.Header.Temperature)!);

    public static bool IsSingleSample(RecordedRun run) => run.Header.Mode != "sc";

    /// <summary>Single-sample runs without a budget prefix: the ones the temperature table, the window curves and the paired tests compare.</summary>
    public static IReadOnlyList<RecordedRun> Plain(IReadOnlyList<RecordedRun> runs) =>
        [.. runs.Where(r => IsSingleSample(r) && BudgetKind(r) is null)];

    /// <summary>"sub-call budget", "token budget" or null for an unconditioned prompt.</summary>
    public static string? BudgetKind(RecordedRun run) =>
        run.Header.SubCallBudget is not null ? "sub-call budget" : run.Header.TokenBudget is not null ? "token budget" : null;

    public static string Budget(RecordedRun run) =>
        run.Header.SubCallBudget?.ToString(CultureInfo.InvariantCulture) ?? run.Header.TokenBudget?.ToString(CultureInfo.InvariantCulture) ?? "none";

    public static string Temperature(RecordedRun run) => $" · T {run.Header.Temperature.ToString("0.###", CultureInfo.InvariantCulture)}";

    private static IReadOnlyList<ReportSeries> SingleSample(IReadOnlyList<RecordedRun> runs, Func<RecordedRun, double> x) =>
        [.. runs.Where(IsSingleSample)
            .GroupBy(r => (r.Header.Label, r.Header.Mode, Kind: BudgetKind(r) ?? "", r.Header.Temperature))
            .OrderBy(g => g.Key.Label, StringComparer.Ordinal).ThenBy(g => g.Key.Mode, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Temperature)
            .Select(g => new ReportSeries(g.Key.Label,
                $"{g.Key.Label} · {g.Key.Mode}{(g.Key.Kind.Length > 0 ? " · " + g.Key.Kind : "")}{Temperature(g.First())}",
                [.. g.Select(r => new ReportPoint(x(r), RunStatistics.ConsAt(r, 1), BudgetKind(r) is null ? "no budget" : $"budget {Budget(r)}"))
                     .OrderBy(p => p.X)]))];

    private static IEnumerable<ReportSeries> SelfConsistency(IReadOnlyList<RecordedRun> runs)
    {
        foreach (var run in runs.Where(r => !IsSingleSample(r)))
        {
            var ns = Enumerable.Range(1, run.Header.Samples).ToList();
            string name = $"{run.Header.Label} · {{0}}{Temperature(run)}";
            yield return new ReportSeries(run.Header.Label, string.Format(CultureInfo.InvariantCulture, name, "cons@n"),
                [.. ns.Select(n => new ReportPoint(RunStatistics.MeanSequenceTokens(run, n), RunStatistics.ConsAt(run, n), $"n {n}"))]);
            yield return new ReportSeries(run.Header.Label, string.Format(CultureInfo.InvariantCulture, name, "pass@n"),
                [.. ns.Select(n => new ReportPoint(RunStatistics.MeanSequenceTokens(run, n), RunStatistics.PassAt(run, n), $"n {n}"))]);
        }
    }
}
