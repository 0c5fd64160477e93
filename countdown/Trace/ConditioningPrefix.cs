namespace AprOrleans.Countdown.Trace;

/// <summary>
/// The paper's conditioning prefixes, written on the root prompt's first line (DESIGN §3): APR's
/// "Sub Call Budget: N " (at most N children per spawn) and SoS+'s "Token Budget: B " (the trace's length
/// rounded up to 512, at most the context). Training data and prompts build them here, so both read alike.
/// </summary>
public static class ConditioningPrefix
{
    public const int MaxSubCalls = 10;
    public const int TokenBudgetStep = 512;

    public static string SubCallBudget(int children) =>
        children is >= 0 and <= MaxSubCalls
            ? TraceLiterals.SubCallBudget + children + " "
            : throw new ArgumentOutOfRangeException(nameof(children), children, $"a sub call budget is 0..{MaxSubCalls}");

    public static string TokenBudget(int tokens) =>
        tokens > 0 ? TraceLiterals.TokenBudget + tokens + " " : throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "a token budget is positive");

    /// <summary>The budget a serial trace of <paramref name="traceTokens"/> tokens is labelled with.</summary>
    public static int TokenBudgetFor(int traceTokens, int contextTokens) =>
        Math.Min(contextTokens, Math.Max(1, (traceTokens + TokenBudgetStep - 1) / TokenBudgetStep) * TokenBudgetStep);
}
