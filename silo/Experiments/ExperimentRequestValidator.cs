using System.Text.RegularExpressions;
using AprOrleans.Api;
using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Interfaces.Experiments;
using AprOrleans.Silo.Api;

namespace AprOrleans.Silo.Experiments;

/// <summary>
/// Checks experiment requests field by field: the first problem becomes <c>INVALID_ARGUMENT</c> naming the field
/// (e.g. <c>field 'config.group_size': 1 is outside 2..64</c>). Zero means "default" for the plain int fields.
/// </summary>
public static partial class ExperimentRequestValidator
{
    private static readonly (int Min, int Max, int Default) Numbers = (3, 6, 3);
    private static readonly (int Min, int Max, int Default) GroupSize = (2, 64, 5);
    private static readonly (int Min, int Max, int Default) ProblemsPerStep = (1, 1024, 64);
    private static readonly (int Min, int Max, int Default) MaxSteps = (1, 1_000_000, 100);
    private static readonly (int Min, int Max, int Default) RolloutAhead = (0, 8, 1);

    /// <summary>An experiment name: 1..64 characters of [A-Za-z0-9._-].</summary>
    public static string Name(string name, string field)
    {
        if (name.Length == 0) throw SolveRequestValidator.Invalid(field, "required");
        if (!NameRegex().IsMatch(name))
            throw SolveRequestValidator.Invalid(field, $"'{SolveRequestValidator.Shorten(name)}' must be 1..64 characters of [A-Za-z0-9._-]");
        return name;
    }

    public static (string Name, ExperimentSpec Spec) Create(CreateExperimentRequest request)
    {
        var name = Name(request.Name, "name");
        var c = request.Config ?? new ExperimentConfig();
        int numbers = Defaulted("config.numbers", c.Numbers, Numbers);
        var spec = new ExperimentSpec(
            numbers,
            c.ProblemSeed,
            Defaulted("config.group_size", c.GroupSize, GroupSize),
            Defaulted("config.problems_per_step", c.ProblemsPerStep, ProblemsPerStep),
            Defaulted("config.max_steps", c.MaxSteps, MaxSteps),
            SolveRequestValidator.Range("config.rollout_ahead", c.HasRolloutAhead ? c.RolloutAhead : null, RolloutAhead),
            SolveRequestValidator.SamplingOf(c.Sampling, "config.sampling"),
            SolveRequestValidator.TreeLimits(c.Limits, serial: false, "config.limits"),
            RequiredOperation(c.EverySolutionUses, numbers));
        return (name, spec with { EverySolutionUsesShare = FilteredShare(c, spec) });
    }

    /// <summary>The share of a step's groups drawn with the filter, or null for all of them.</summary>
    private static double? FilteredShare(ExperimentConfig c, ExperimentSpec spec)
    {
        const string field = "config.every_solution_uses_share";
        if (!c.HasEverySolutionUsesShare) return null;
        double share = c.EverySolutionUsesShare;
        if (spec.EverySolutionUses is null)
            throw SolveRequestValidator.Invalid(field, "needs config.every_solution_uses (the operation the filtered groups' problems need)");
        if (!(share > 0 && share <= 1))
            throw SolveRequestValidator.Invalid(field, $"{share} is outside (0, 1]");
        if (ExperimentSpec.FilteredGroups(share, spec.ProblemsPerStep) < 1)
            throw SolveRequestValidator.Invalid(field, $"{share} of {spec.ProblemsPerStep} groups per step rounds to none; give at least 1/{spec.ProblemsPerStep}");
        return share;
    }

    /// <summary>
    /// The operation every drawn problem's solutions must use, or null. Past four numbers nearly every problem can be
    /// solved without any one operation, so a filtered draw there would search for a very long time: refused.
    /// </summary>
    private static char? RequiredOperation(string symbol, int numbers)
    {
        const string field = "config.every_solution_uses";
        if (symbol.Length == 0) return null;
        if (symbol.Length != 1 || !Operation.Symbols.Contains(symbol[0]))
            throw SolveRequestValidator.Invalid(field, $"'{SolveRequestValidator.Shorten(symbol)}' must be one of + - * / (or empty for every solvable problem)");
        if (numbers > 4)
            throw SolveRequestValidator.Invalid(field, $"only for Countdown-3 and -4 (config.numbers is {numbers}): with more numbers almost no problem needs '{symbol}'");
        return symbol[0];
    }

    public static int Step(int step, string field) =>
        step >= 0 ? step : throw SolveRequestValidator.Invalid(field, $"{step} is negative");

    /// <summary>proto3 cannot tell an unset int from 0, and 0 is outside every bound here: 0 means "the default".</summary>
    private static int Defaulted(string field, int value, (int Min, int Max, int Default) bounds) =>
        SolveRequestValidator.Range(field, value == 0 ? null : value, bounds);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NameRegex();
}
