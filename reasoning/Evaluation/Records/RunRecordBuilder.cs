using System.Security.Cryptography;
using System.Text;
using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Reasoning.Evaluation.Records;

/// <summary>
/// Turns an evaluation's outcomes into the problem lines of a recorded run: every sample checked on its own
/// (exact checker and the paper's rule), so cons@n and pass@n can be recomputed for any n up to the samples drawn.
/// </summary>
public static class RunRecordBuilder
{
    public static ProblemRecord Problem(int index, ProblemOutcome outcome) =>
        new(index, outcome.Problem.Nums, outcome.Problem.Target, outcome.Latency.TotalMilliseconds,
            [.. outcome.Trees.Select((tree, i) => Sample(outcome.Problem, tree, outcome.SampleLatencies[i]))]);

    public static SampleRecord Sample(Problem problem, ThreadResult tree, TimeSpan latency)
    {
        var threads = tree.SelfAndDescendants().ToList();
        return new SampleRecord(
            Correct: tree.Answer is not null && SolutionChecker.Check(problem, tree.Answer).Valid,
            CorrectByPaperCheck: PaperCheck.CheckTrace(problem, tree.Text).Valid,
            AnswerKey: tree.Answer is null ? null : Evaluation.AnswerKey.Of(tree.Answer),
            TotalTokens: tree.TotalGeneratedTokens,
            SequentialTokens: tree.SequentialTokens,
            LongestThreadTokens: threads.Max(HeldTokens),
            SequenceTokens: threads.Sum(HeldTokens),
            Threads: threads.Count,
            ChildrenPerSpawn: [.. threads.SelectMany(t => t.Spawns.Select(s => s.Count))],
            LatencyMs: latency.TotalMilliseconds,
            End: tree.End.ToString());
    }

    /// <summary>
    /// The tokens a thread held at its end: its last segment's context (the prompt, earlier segments and join
    /// blocks) plus what that segment generated. This is the context window the thread needed.
    /// </summary>
    public static int HeldTokens(ThreadResult thread) =>
        thread.Segments.Count == 0 ? 0 : thread.Segments[^1].Context.Count + thread.Segments[^1].Generated.Count;

    /// <summary>SHA-256 of the problems' canonical lines in file order: equal exactly when two runs saw the same problems in the same order.</summary>
    public static string ProblemsDigest(IEnumerable<Problem> problems)
    {
        var text = new StringBuilder();
        foreach (var p in problems) text.Append(string.Join(',', p.Nums)).Append(':').Append(p.Target).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
