namespace AprOrleans.Countdown.Problems;

/// <summary>
/// Shapes of a problem that a model may handle worse than the rest, for over-sampling them in training data
/// (<c>apr data select --trait</c>). A repeated number or a target that is already one of the numbers makes the trace
/// repeat the same tokens (<c>24-24=0</c>, <c>43*1=43</c>), and small models copy those lines wrongly when they
/// write the solution path after a join (checkpoints/countdown3-apr/README.md, "The shipped file").
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
    private static readonly Dictionary<string, ProblemTrait> ByName = new()
    {
        ["repeated-number"] = ProblemTrait.RepeatedNumber,
        ["target-in-numbers"] = ProblemTrait.TargetInNumbers,
    };

    /// <summary>The command-line names.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. ByName.Keys];

    public static bool TryParse(string name, out ProblemTrait trait) => ByName.TryGetValue(name, out trait);

    public static bool Has(this Problem problem, ProblemTrait trait) => trait switch
    {
        ProblemTrait.RepeatedNumber => problem.Nums.Distinct().Count() < problem.Nums.Count,
        ProblemTrait.TargetInNumbers => problem.Nums.Contains(problem.Target),
        _ => throw new ArgumentOutOfRangeException(nameof(trait), trait, null),
    };
}
