namespace AprOrleans.Countdown.Problems;

/// <summary>
/// Shapes of a problem that a model may handle worse than the rest, for over-sampling them in training data
/// (<c>apr data select --trait</c>). A repeated number or a target that is already one of the numbers makes the trace
/// repeat the same tokens (<c>24-24=0</c>, <c>43*1=43</c>), and small models copy those lines wrongly when they
/// write the solution path after a join (README "Shipped checkpoint").
/// </summary>
public enum ProblemTrait
{
    /// <summary>Some number appears more than once.</summary>
    RepeatedNumber,

    /// <summary>The target equals one of the numbers.</summary>
    TargetInNumbers,
}

public static class ProblemTraits
{
    /// <summary>The command-line names, in <see cref="ProblemTrait"/> order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["repeated-number", "target-in-numbers"];

    public static bool TryParse(string name, out ProblemTrait trait)
    {
        int index = Names.ToList().IndexOf(name);
        trait = (ProblemTrait)Math.Max(index, 0);
        return index >= 0;
    }

    public static bool Has(this Problem problem, ProblemTrait trait) => trait switch
    {
        ProblemTrait.RepeatedNumber => problem.Nums.Distinct().Count() < problem.Nums.Count,
        ProblemTrait.TargetInNumbers => problem.Nums.Contains(problem.Target),
        _ => throw new ArgumentOutOfRangeException(nameof(trait), trait, null),
    };
}
