using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Interfaces.Solving;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Grains.Solving;

/// <summary>Turns a finished runtime tree into the wire outcome, judging the root's answer with the exact checker.</summary>
internal static class OutcomeBuilder
{
    public static SolveOutcome Build(Problem problem, ThreadResult root)
    {
        var all = root.SelfAndDescendants().ToList();
        var totals = new SolveTotals(
            all.Count, all.Sum(t => t.Spawns.Count), root.TotalGeneratedTokens, root.SequentialTokens,
            all.Max(t => t.Level), root.Elapsed);
        if (root.Answer is null)
            return new SolveOutcome(null, false, root.End == ThreadEnd.Finished
                ? "the search found no solution (the root ended with 'No solution found.')"
                : $"the root thread reached no answer ({root.End}{(root.EndDetail is { } detail ? ": " + detail : "")})", Record(root), totals);
        var check = SolutionChecker.Check(problem, root.Answer);
        return new SolveOutcome(root.Answer, check.Valid, check.Reason, Record(root), totals);
    }

    private static ThreadRecord Record(ThreadResult t) => new()
    {
        NodeId = t.NodeId,
        Level = t.Level,
        Prompt = t.Prompt,
        Text = t.Text,
        GeneratedTokens = t.GeneratedTokens,
        End = t.End.ToString(),
        EndDetail = t.EndDetail,
        Answer = t.Answer,
        StartedAt = t.StartedAt,
        Elapsed = t.Elapsed,
        QueueTime = t.Segments.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.QueueTime),
        DecodeTime = t.Segments.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.DecodeTime),
        Segments = t.Segments.Count,
        Spawns = [.. t.Spawns.Select(spawn => new SpawnRecord { Children = [.. spawn.Select(Record)] })],
    };
}
