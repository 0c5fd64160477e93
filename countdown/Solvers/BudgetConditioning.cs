using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// Budget-conditioned demonstrations: every root-level sequence gets the conditioning prefix that describes
/// the search it shows, so a model trained on them can be asked for a search width at inference. APR demos are
/// labelled with the parent's beam ("Sub Call Budget: N": at most N children per spawn; the paper's beams are 1..10,
/// a wider one is refused rather than mislabelled), SoS+
/// demos with their trace length rounded up to a step ("Token Budget: B"). Children's contexts are rebuilt from the parent's lines
/// and carry no prefix, as at inference.
/// </summary>
public static class BudgetConditioning
{
    public static Demonstration Condition(Demonstration demo, int contextTokens, int tokenBudgetStep = ConditioningPrefix.TokenBudgetStep)
    {
        if (demo.Solver == "apr" && demo.Beam > ConditioningPrefix.MaxSubCalls)
            throw new InvalidDataException($"{demo.Problem.Key}: an APR demonstration with beam {demo.Beam} cannot be labelled " +
                                           $"'Sub Call Budget: N' (N is at most {ConditioningPrefix.MaxSubCalls} children per spawn)");
        string prefix = demo.Solver == "apr"
            ? ConditioningPrefix.SubCallBudget(demo.Beam)
            : ConditioningPrefix.TokenBudget(ConditioningPrefix.TokenBudgetFor(demo.SequentialTokens, contextTokens, tokenBudgetStep));
        return demo with
        {
            Sequences = [.. demo.Sequences.Select(s => s.Level == 0 ? s with { Text = prefix + s.Text } : s)],
        };
    }

    /// <summary>
    /// Whether demonstration <paramref name="index"/> of a run is conditioned, when a <paramref name="fraction"/>
    /// of them are: a pure function of (seed, index), so a resumed run and any thread count choose alike.
    /// </summary>
    public static bool Chooses(double fraction, int seed, long index)
    {
        if (fraction <= 0) return false;
        if (fraction >= 1) return true;
        uint draw = unchecked((uint)DeterministicSeed.For(DeterministicSeed.For(seed, -2), index));
        return draw / 4294967296.0 < fraction;
    }
}
