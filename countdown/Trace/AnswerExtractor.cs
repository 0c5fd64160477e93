using static AprOrleans.Countdown.Trace.TraceLiterals;

namespace AprOrleans.Countdown.Trace;

/// <summary>
/// A finished trace repeats its solution path after reaching the goal, so the answer is the text after
/// the second-to-last "Goal Reached", up to the end of the line holding the last one.
/// </summary>
public static class AnswerExtractor
{
    /// <summary>The solution path, or null when the trace holds fewer than two "Goal Reached".</summary>
    public static string? Extract(string trace)
    {
        int last = trace.LastIndexOf(GoalReached, StringComparison.Ordinal);
        if (last <= 0) return null;
        int secondToLast = trace.LastIndexOf(GoalReached, last - 1, StringComparison.Ordinal);
        if (secondToLast < 0) return null;
        int from = trace.IndexOf('\n', secondToLast);
        if (from < 0 || from > last) return null;
        int to = trace.IndexOf('\n', last);
        var answer = to < 0 ? trace[(from + 1)..] : trace[(from + 1)..(to + 1)];
        return answer.Length == 0 ? null : answer;
    }
}
