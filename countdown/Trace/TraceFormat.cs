using System.Text;
using AprOrleans.Countdown.Arithmetic;

namespace AprOrleans.Countdown.Trace;

/// <summary>Renders the lines of the trace language; each method returns one line without its newline.</summary>
public static class TraceFormat
{
    public static string NumberList(IEnumerable<int> nums) => $"[{string.Join(", ", nums)}]";

    public static string OperationList(IEnumerable<Operation> ops) =>
        $"[{string.Join(", ", ops.Select(o => $"'{o}'"))}]";

    public static string MovingTo(string nodeId) => TraceLiterals.MovingToNode + nodeId;

    public static string CurrentState(SearchNode node) =>
        $"{TraceLiterals.CurrentState}{node.Target}:{NumberList(node.Nums)}{TraceLiterals.OperationsList}{OperationList(node.Ops)}";

    public static string Exploring(SearchNode successor) =>
        $"{TraceLiterals.ExploringOperation}{successor.LastOp}{TraceLiterals.ResultingNumbers}{NumberList(successor.Nums)}";

    public static string Generated(SearchNode successor) =>
        $"{TraceLiterals.GeneratedNode}{successor.Id}: {successor.Target}:{NumberList(successor.Nums)}{TraceLiterals.NodeOperation}{successor.LastOp}";

    /// <summary>"27,27 equal: Goal Reached" or "26,27 unequal: No Solution".</summary>
    public static string TerminalVerdict(int value, int target) =>
        $"{value},{target}{(value == target ? TraceLiterals.Equal : TraceLiterals.Unequal)}";

    /// <summary>The prompt that starts a thread at <paramref name="node"/> (no trailing newline: the model writes it).</summary>
    public static string ThreadPrompt(SearchNode node) => $"{MovingTo(node.Id)}\n{CurrentState(node)}";

    /// <summary>
    /// The solution path from <paramref name="path"/>[0] to the goal <paramref name="path"/>[^1]:
    /// per step the node, its state, the operation taken and the node it generated; ends with the goal verdict.
    /// </summary>
    public static string SolutionPath(IReadOnlyList<SearchNode> path)
    {
        var sb = new StringBuilder();
        for (int i = 0; i + 1 < path.Count; i++)
        {
            var node = path[i];
            var next = path[i + 1];
            sb.Append(MovingTo(node.Id)).Append('\n');
            sb.Append(CurrentState(node)).Append('\n');
            sb.Append(Exploring(next)).Append('\n');
            sb.Append(next.IsTerminal ? TerminalVerdict(next.Nums[0], next.Target) : Generated(next)).Append('\n');
        }
        return sb.ToString();
    }
}
