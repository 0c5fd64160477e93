using System.Diagnostics;
using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// Evaluates one problem under one <see cref="EvalSettings"/>: runs the tree(s) through the spawn/join runtime
/// and scores the answer with the exact checker (and the paper's released rule, reported beside it). Serial threads run with depth 0, so a spawn is refused and
/// reported rather than executed.
/// </summary>
public sealed class ProblemEvaluator
{
    private readonly SpawnJoinRuntime _runtime;
    private readonly EvalSettings _settings;

    public ProblemEvaluator(IThreadDecoder decoder, CountdownTokenizer tokenizer, EvalSettings settings)
    {
        if (settings.Validate() is { } fault) throw new ArgumentException(fault, nameof(settings));
        _settings = settings;
        var limits = settings.Mode == EvalMode.Apr ? settings.Limits : settings.Limits with { MaxDepth = 0 };
        _runtime = new SpawnJoinRuntime(decoder, tokenizer, limits);
    }

    public async Task<ProblemOutcome> EvaluateAsync(Problem problem, long seed, CancellationToken ct = default)
    {
        var prompt = PromptBuilder.Root(problem,
            _settings.Mode == EvalMode.Apr ? _settings.SubCallBudget : null,
            _settings.Mode == EvalMode.Apr ? null : _settings.TokenBudget);
        var clock = Stopwatch.StartNew();
        var samples = await Task.WhenAll(Enumerable.Range(0, _settings.Samples).Select(i =>
            RunTimedAsync(prompt, _settings.Sampling with { Seed = seed * 1_000_003 + i }, ct))).ConfigureAwait(false);
        clock.Stop();
        var trees = samples.Select(s => s.Tree).ToList();

        var verdicts = trees.Select(t => (Tree: t, Check: t.Answer is null ? null : SolutionChecker.Check(problem, t.Answer))).ToList();
        var chosen = _settings.Mode == EvalMode.SelfConsistency ? MajorityVote(verdicts) : verdicts[0];
        return new ProblemOutcome(
            problem,
            Correct: chosen.Check?.Valid == true,
            AnyCorrect: verdicts.Any(v => v.Check?.Valid == true),
            CorrectByPaperCheck: PaperCheck.CheckTrace(problem, chosen.Tree.Text).Valid,
            chosen.Tree.Answer,
            chosen.Check?.Reason ?? (chosen.Tree.Answer is null ? DescribeNoAnswer(chosen.Tree) : null),
            MissClassifier.Classify(problem, chosen.Tree, chosen.Check),
            trees.Sum(t => t.TotalGeneratedTokens),
            trees.Max(t => t.SequentialTokens),
            [.. trees.SelectMany(t => t.SelfAndDescendants()).SelectMany(t => t.Spawns.Select(s => s.Count))],
            clock.Elapsed,
            trees,
            [.. samples.Select(s => s.Latency)]);
    }

    /// <summary>One sample's tree and its own wall time (samples of a problem decode side by side).</summary>
    private async Task<(ThreadResult Tree, TimeSpan Latency)> RunTimedAsync(string prompt, SamplingSettings sampling, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var tree = await _runtime.RunAsync(prompt, sampling, ct).ConfigureAwait(false);
        return (tree, clock.Elapsed);
    }

    /// <summary>cons@n: the most frequent answer (by its operations) wins; ties go to the earliest sample.</summary>
    private static (ThreadResult Tree, CheckResult? Check) MajorityVote(List<(ThreadResult Tree, CheckResult? Check)> verdicts)
    {
        var answered = verdicts.Where(v => v.Tree.Answer is not null).ToList();
        if (answered.Count == 0) return verdicts[0];
        return answered
            .GroupBy(v => AnswerKey.Of(v.Tree.Answer!))
            .OrderByDescending(g => g.Count())
            .ThenBy(g => verdicts.IndexOf(g.First()))
            .First().First();
    }

    private static string DescribeNoAnswer(ThreadResult tree) =>
        tree.End == ThreadEnd.Finished ? "no solution found" : $"no answer: {tree.End} ({tree.EndDetail})";
}
