using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// Sorts an unsolved tree into a <see cref="MissKind"/>. A refused answer is split by what the children reported:
/// no goal (unfounded), a goal the checker accepts (miscopied by the parent), or only goals it refuses (wrong). A
/// "no solution" tree is split by where its search went: a child that started on a solution path (a child, or the
/// parent reading the join, missed the goal), else a state on a solution path that a thread moved to in its own search
/// (it opened the right branch and missed the goal there), else none (the search pruned every solution or went the
/// wrong way). For a serial trace the last two tell a wrong pruning choice from a search that fumbled the right branch.
/// </summary>
public static class MissClassifier
{
    /// <summary>Null when the answer was right.</summary>
    public static MissKind? Classify(Problem problem, ThreadResult tree, CheckResult? check)
    {
        if (check?.Valid == true) return null;
        if (tree.Answer is not null)
        {
            if (tree.Spawns.Count > 0 && tree.Spawns.SelectMany(s => s).All(child => child.Answer is null)) return MissKind.UnfoundedAnswer;
            return tree.SelfAndDescendants().Skip(1).Any(child => child.Answer is { } path && SolutionChecker.Check(problem, path).Valid)
                ? MissKind.MiscopiedAnswer
                : MissKind.WrongAnswer;
        }
        if (tree.End != ThreadEnd.Finished) return MissKind.LimitOrFault;
        if (tree.SelfAndDescendants().Skip(1).Any(child => StartsOnSolutionPath(problem, child))) return MissKind.ChildMissedGoal;
        return tree.SelfAndDescendants().Any(thread => MovedOntoSolutionPath(problem, thread))
            ? MissKind.SearchMissedGoal
            : MissKind.NotFound;
    }

    /// <summary>
    /// Whether a "Current State" line the thread wrote after at least one operation lies on a solution path (the
    /// problem's own state, with no operations, always does and says nothing about the search).
    /// </summary>
    private static bool MovedOntoSolutionPath(Problem problem, ThreadResult thread) =>
        thread.Text.Split('\n').Any(line =>
            TraceParser.TryParse(line, out var state, out _) && state.Ops.Length > 0
            && SolutionPathState.IsOnSolutionPath(problem, state)); // which reads "Current State" lines only

    /// <summary>A child's prompt is "Moving to Node #id\nCurrent State: ..."; its second line is the start state.</summary>
    private static bool StartsOnSolutionPath(Problem problem, ThreadResult child)
    {
        var lines = child.Prompt.Split('\n');
        return lines.Length >= 2
            && TraceParser.TryParse(lines[1], out var state, out _)
            && SolutionPathState.IsOnSolutionPath(problem, state);
    }
}
