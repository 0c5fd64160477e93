using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>The root prompt of a problem, with the optional conditioning prefix on its first line (DESIGN §3).</summary>
public static class PromptBuilder
{
    public static string Root(Problem problem, int? subCallBudget = null, int? tokenBudget = null)
    {
        var prompt = TraceFormat.ThreadPrompt(SearchNode.Root(problem.Nums, problem.Target));
        if (subCallBudget is { } n) return ConditioningPrefix.SubCallBudget(n) + prompt;
        if (tokenBudget is { } b) return ConditioningPrefix.TokenBudget(b) + prompt;
        return prompt;
    }
}
