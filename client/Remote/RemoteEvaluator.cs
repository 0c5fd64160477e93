using System.Diagnostics;
using AprOrleans.Api;
using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Reasoning.Evaluation;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Client.Remote;

/// <summary>
/// `apr eval --silo URL`: solves every problem through the service (several in flight, so its batchers see full
/// batches) and summarizes the responses the same way the in-process evaluator does.
/// </summary>
public static class RemoteEvaluator
{
    public static EvalSummary Run(RemoteSolver solver, IReadOnlyList<Problem> problems, EvalSettings settings, IProgress<int>? progress)
    {
        var results = new (bool Correct, bool CorrectByPaperCheck, int Tokens, int Sequential, List<int> Spawns, double Ms)[problems.Count];
        int done = 0;
        Parallel.For(0, problems.Count, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency }, i =>
        {
            var clock = Stopwatch.StartNew();
            var response = solver.Solve(problems[i], settings.Mode == EvalMode.Serial, settings.Limits,
                settings.Sampling with { Seed = i }, TimeSpan.FromMinutes(10));
            results[i] = (response.Correct,
                PaperCheck.CheckTrace(problems[i], response.Root.Text).Valid,
                response.Totals.GeneratedTokens, response.Totals.SequentialTokens,
                SpawnSizes(response.Root).ToList(), clock.Elapsed.TotalMilliseconds);
            progress?.Report(Interlocked.Increment(ref done));
        });
        int n = Math.Max(1, problems.Count);
        var spawns = results.SelectMany(r => r.Spawns).ToList();
        return new EvalSummary(
            EvalModes.Name(settings.Mode), 1, settings.SubCallBudget, settings.TokenBudget, problems.Count,
            results.Count(r => r.Correct) / (double)n,
            results.Count(r => r.Correct) / (double)n,
            results.Average(r => (double)r.Tokens),
            results.Average(r => (double)r.Sequential),
            spawns.Count == 0 ? 0 : spawns.Average(),
            results.Average(r => r.Ms),
            new Dictionary<string, int>(),
            Misses: null, // the Solve response carries no child prompts to classify misses with
            results.Count(r => r.CorrectByPaperCheck) / (double)n);
    }

    private static IEnumerable<int> SpawnSizes(ThreadNode node) =>
        node.Spawns.Select(s => s.Children.Count).Concat(node.Spawns.SelectMany(s => s.Children).SelectMany(SpawnSizes));
}
