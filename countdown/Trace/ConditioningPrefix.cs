namespace AprOrleans.Countdown.Trace;

/// <summary>
/// The paper's conditioning prefixes, written on the root prompt's first line (DESIGN §3): APR's
/// "Sub Call Budget: N " (at most N children per spawn) and SoS+'s "Token Budget: B " (the trace's length
/// rounded up to a step, 512 as in the paper unless a run chooses a finer one, at most the context). Training data and prompts build them here, so both read alike.
/// </summary>
public static class ConditioningPrefix
{
    public const int MaxSubCalls = 10;
    /// <summary>The paper's token-budget granularity (its Countdown-4 traces fill a 4 096-token window).</summary>
    public const int TokenBudgetStep = 512;

    public static string SubCallBudget(int children) =>
        children is >= 0 and <= MaxSubCalls
            ? TraceLiterals.SubCallBudget + children + " "
            : throw new ArgumentOutOfRangeException(nameof(children), children, $"a sub call budget is 0..{MaxSubCalls}");

    public static string TokenBudget(int tokens) =>
        tokens > 0 ? TraceLiterals.TokenBudget + tokens + " " : throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "a token budget is positive");

    /// <summary>The budget a serial trace of <paramref name="traceTokens"/> tokens is labelled with.</summary>
    /// <remarks>
    /// A finer <paramref name="step"/> suits shorter traces: Countdown-3's SoS+ traces average ~355 tokens, so at 512
    /// nearly every one reads "Token Budget: 512" and a budget sweep would have one point.
    /// </remarks>
    public static int TokenBudgetFor(int traceTokens, int contextTokens, int step = TokenBudgetStep)
    {
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, "a token budget step is positive");
        return Math.Min(contextTokens, Math.Max(1, (traceTokens + step - 1) / step) * step);
    }
}
