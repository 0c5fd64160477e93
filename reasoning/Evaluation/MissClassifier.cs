using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// Sorts an unsolved tree into a <see cref="MissKind"/>. A refused answer is split by what the children reported:
/// no goal (unfounded), a goal the checker accepts (miscopied by the parent), or only goals it refuses (wrong). A
/// "no solution" tree is split by its children's start states: if one lay on a solution path, the search opened the
/// right branch and a child (or the parent reading the join) missed the goal; otherwise the search was too narrow or
/// went the wrong way.
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
        return tree.SelfAndDescendants().Skip(1).Any(child => StartsOnSolutionPath(problem, child))
            ? MissKind.ChildMissedGoal
            : MissKind.NotFound;
    }

    /// <summary>A child's prompt is "Moving to Node #id\nCurrent State: ..."; its second line is the start state.</summary>
    private static bool StartsOnSolutionPath(Problem problem, ThreadResult child)
    {
        var lines = child.Prompt.Split('\n');
        return lines.Length >= 2
            && TraceParser.TryParse(lines[1], out var state, out _)
            && SolutionPathState.IsOnSolutionPath(problem, state);
    }
}
