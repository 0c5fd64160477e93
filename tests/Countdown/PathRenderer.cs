using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Tests.Countdown;

/// <summary>
/// Renders a solution path for any list of operations, keeping every line consistent with a naive replay
/// (operands removed when present, result appended). A faulty operation therefore yields a path whose
/// lines all agree with each other, so only real arithmetic/multiset checking can reject it.
/// </summary>
internal static class PathRenderer
{
    public static string Render(Problem problem, IReadOnlyList<Operation> ops)
    {
        var nums = problem.Nums.ToList();
        var done = new List<Operation>();
        var sb = new System.Text.StringBuilder();
        string id = "0";
        for (int s = 0; s < ops.Count; s++)
        {
            var op = ops[s];
            sb.Append($"{TraceFormat.MovingTo(id)}\n");
            sb.Append($"{TraceLiterals.CurrentState}{problem.Target}:{TraceFormat.NumberList(nums)}{TraceLiterals.OperationsList}{TraceFormat.OperationList(done)}\n");
            nums.Remove(op.Left);
            nums.Remove(op.Right);
            nums.Add(op.Result);
            done.Add(op);
            sb.Append($"{TraceLiterals.ExploringOperation}{op}{TraceLiterals.ResultingNumbers}{TraceFormat.NumberList(nums)}\n");
            if (s < ops.Count - 1)
            {
                id += ",0";
                sb.Append($"{TraceLiterals.GeneratedNode}{id}: {problem.Target}:{TraceFormat.NumberList(nums)}{TraceLiterals.NodeOperation}{op}\n");
            }
            else
            {
                sb.Append($"{problem.Target},{problem.Target}{TraceLiterals.Equal}\n");
            }
        }
        return sb.ToString();
    }

    /// <summary>The operations of a checked solution path (from its last Current State and Exploring lines).</summary>
    public static List<Operation> Operations(string path)
    {
        var lines = path.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(TraceParser.Parse).ToList();
        var state = lines.Last(l => l.Kind == TraceLineKind.CurrentState);
        var last = lines.Last(l => l.Kind == TraceLineKind.Exploring);
        return [.. state.Ops, last.Op!.Value];
    }
}
