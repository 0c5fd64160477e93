using AprOrleans.Reasoning.Evaluation;
using AprOrleans.Reasoning.Evaluation.Records;

namespace AprOrleans.Tests.Evaluation;

/// <summary>Hand-built recorded runs: each sample given as (answer key or null, correct, longest thread, total tokens).</summary>
internal static class RecordedRuns
{
    public static SampleRecord Sample(string? answer, bool correct, int longest = 100, int total = 100, double latencyMs = 10, int[]? spawns = null) =>
        new(correct, correct, answer, total, Math.Min(total, longest), longest, total + 20, spawns is null ? 1 : 1 + spawns.Sum(), spawns ?? [], latencyMs, "Finished");

    public static RecordedRun Run(string path, IReadOnlyList<IReadOnlyList<SampleRecord>> problems, string label = "model", string mode = "apr",
        int? subCallBudget = null, int? tokenBudget = null, double temperature = 0, string problemsSha = "0123456789abcdef0123", int threadLimit = 2048)
    {
        int samples = problems[0].Count;
        var summary = new EvalSummary(mode, samples, subCallBudget, tokenBudget, problems.Count, 0, 0, 0, 0, 0, 0, new Dictionary<string, int>(), null, null);
        var header = new RunHeader(RunHeader.Kind, RunHeader.CurrentFormat, label, "/checkpoints/" + label, new string('0', 64), mode, samples,
            subCallBudget, tokenBudget, temperature, 0, 1, new RunLimits(10, 1, threadLimit, 65536), 32, 2, "cpu", 2, "problems.jsonl", problemsSha,
            problems.Count, DateTimeOffset.UnixEpoch, 1.5, summary);
        return new RecordedRun(path, header, [.. problems.Select((s, i) => new ProblemRecord(i, [1, 2, 3], 6, s.Max(x => x.LatencyMs), s))]);
    }
}
