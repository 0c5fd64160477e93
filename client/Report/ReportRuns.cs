using System.Globalization;
using AprOrleans.CommandLine;
using AprOrleans.Reasoning.Evaluation.Records;

namespace AprOrleans.Client.Report;

/// <summary>
/// The recorded runs a report is made from: every `*.jsonl` in a folder (checked in name order, shown grouped by
/// model, mode, samples, budget and temperature), all on one problem
/// set (the same problems in the same order, so rows pair up), with no configuration recorded twice. Anything
/// else is a <see cref="UsageException"/> naming the file (exit 2).
/// </summary>
public static class ReportRuns
{
    public static IReadOnlyList<RecordedRun> Read(string directory)
    {
        if (!Directory.Exists(directory)) throw new UsageException($"--runs {directory}: folder not found");
        var files = Directory.GetFiles(directory, "*.jsonl").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new UsageException($"--runs {directory}: no recorded runs (*.jsonl, written by apr eval --record) in it");
        var runs = files.Select(RunRecordFile.Read).ToList();
        var first = runs[0];
        foreach (var run in runs.Skip(1)) RequireSameProblems(first, run, "a report compares runs on one problem set");
        foreach (var group in runs.GroupBy(Configuration).Where(g => g.Count() > 1))
            throw new UsageException($"{group.ElementAt(1).Path}: records the same configuration as {Path.GetFileName(group.First().Path)} ({group.Key}); keep one");
        // Shown grouped: model, mode, samples, budget, temperature (file names need not say any of it).
        return [.. runs.OrderBy(r => r.Header.Label, StringComparer.Ordinal).ThenBy(r => r.Header.Mode, StringComparer.Ordinal)
            .ThenBy(r => r.Header.Samples).ThenBy(r => r.Header.SubCallBudget ?? -1).ThenBy(r => r.Header.TokenBudget ?? -1)
            .ThenBy(r => r.Header.Temperature)];
    }

    /// <summary>Refuses (exit 2, naming <paramref name="run"/>'s file) a run whose problems are not those of <paramref name="first"/>: rows pair up only on one problem set.</summary>
    public static void RequireSameProblems(RecordedRun first, RecordedRun run, string why)
    {
        if (run.Header.ProblemsSha256 != first.Header.ProblemsSha256)
            throw new UsageException($"{run.Path}: its problems ({run.Header.ProblemsFile}, {run.Header.Problems}, sha256 {Short(run.Header.ProblemsSha256)}) " +
                                   $"are not those of {Path.GetFileName(first.Path)} ({first.Header.ProblemsFile}, {first.Header.Problems}, " +
                                   $"sha256 {Short(first.Header.ProblemsSha256)}); {why}");
    }

    private static string Short(string sha) => sha.Length > 12 ? sha[..12] : sha;

    /// <summary>What makes a run a distinct point: model, mode, budget, samples and sampling.</summary>
    public static string Configuration(RecordedRun run)
    {
        var h = run.Header;
        return string.Join(' ', h.Label, h.Mode, $"n={h.Samples}", $"sub-call={h.SubCallBudget?.ToString(CultureInfo.InvariantCulture) ?? "-"}",
            $"token={h.TokenBudget?.ToString(CultureInfo.InvariantCulture) ?? "-"}", $"T={h.Temperature.ToString("0.###", CultureInfo.InvariantCulture)}",
            $"top-k={h.TopK}", $"top-p={h.TopP.ToString("0.###", CultureInfo.InvariantCulture)}", $"max-children={h.Limits.MaxChildrenPerSpawn}");
    }
}
