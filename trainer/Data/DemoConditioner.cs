using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Trainer.Data;

/// <summary>
/// Adds budget prefixes (<see cref="BudgetConditioning"/>) to a share <c>fraction</c> of a run's demonstrations,
/// chosen by (seed, demonstration index). A fraction below 1 keeps the unconditioned prompt in distribution too,
/// so one model answers both with and without a budget.
/// </summary>
public sealed class DemoConditioner(double fraction, int seed, int contextTokens, int tokenBudgetStep = ConditioningPrefix.TokenBudgetStep)
{
    public static DemoConditioner None { get; } = new(0, 0, 0);

    public Demonstration Apply(Demonstration demo, long index) =>
        BudgetConditioning.Chooses(fraction, seed, index) ? BudgetConditioning.Condition(demo, contextTokens, tokenBudgetStep) : demo;
}
