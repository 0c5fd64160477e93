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

    /// <summary>Applies each operation to the multiset of numbers; false on a wrong step or a different result.</summary>
    private static bool ReplaysTo(IReadOnlyList<int> start, IReadOnlyList<Operation> ops, IReadOnlyList<int> expected)
    {
        var multiset = new List<int>(start);
        foreach (var op in ops)
        {
            if (op.Validate() is not null) return false;
            if (!multiset.Remove(op.Left) || !multiset.Remove(op.Right)) return false;
            multiset.Add(op.Result);
        }
        return multiset.Order().SequenceEqual(expected.Order());
    }
}
