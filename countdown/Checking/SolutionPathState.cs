using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Checking;

/// <summary>
/// Whether a search state (a thread's "Current State" line) lies on a path to the goal: its operations replay
/// exactly from the problem's numbers to its numbers, and those numbers can still reach the target. Evaluation
/// uses it to tell a search that never opened the right branch from one that opened it and then missed the goal.
/// </summary>
public static class SolutionPathState
{
    public static bool IsOnSolutionPath(Problem problem, TraceLine state)
    {
        if (state.Kind != TraceLineKind.CurrentState || state.Target != problem.Target) return false;
        return ReplaysTo(problem.Nums, state.Ops, state.Nums) && Solvability.IsSolvable(state.Nums, state.Target);
    }

    /// <summary>Replays the operations with the checker's rules; false on a wrong step or a different result.</summary>
    private static bool ReplaysTo(IReadOnlyList<int> start, IReadOnlyList<Operation> ops, IReadOnlyList<int> expected)
    {
        var multiset = new NumberMultiset(start);
        return ops.All(op => multiset.Apply(op) is null) && multiset.SameAs(expected);
    }
}
