using System.CommandLine;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Problems;

namespace AprOrleans.Client.Commands;

/// <summary>
/// `apr data select`: keeps, in file order, the problems that meet every criterion given: each solution uses an
/// operation (`--every-solution-uses`), and/or the problem has one of the listed traits (`--trait`, repeatable: any
/// one suffices). Used to over-sample the problems a model misses (the session-9 Countdown-3 model solved 31 % of the
/// held-out problems that need a division and 95.5 % of the rest; docs/training-log.md, "Session 10").
/// </summary>
public static class SelectCommand
{
    public static Command Build()
    {
        var problems = new Option<string>("--problems") { Description = "problem file (JSON Lines)", Required = true };
        var uses = new Option<string?>("--every-solution-uses") { Description = "keep a problem when it has a solution and each of its solutions uses this operation: + * - or /" };
        var traits = new Option<string[]>("--trait")
        {
            Description = $"keep a problem that has this trait ({string.Join(" or ", ProblemTraits.Names)}); repeat the option to accept any of several",
        };
        var max = new Option<int?>("--max") { Description = "stop after this many selected problems (default: all)" };
        var output = new Option<string>("--out") { Description = "output JSON Lines file", Required = true };
        var command = new Command("select", "Keep the problems that meet every criterion given: an operation each solution uses, a trait")
            { problems, uses, traits, max, output };
        command.SetAction(parse => Run(parse.GetValue(problems)!, parse.GetValue(uses), parse.GetValue(traits) ?? [],
                                       parse.GetValue(max), parse.GetValue(output)!));
        return command;
    }

    private static int Run(string problemsPath, string? uses, string[] traitNames, int? max, string output)
    {
        if (uses is null && traitNames.Length == 0)
            throw new UsageException("give --every-solution-uses OP and/or --trait NAME: with neither, every problem would be kept");
        if (uses is not null && (uses.Length != 1 || Array.IndexOf(Operation.Symbols, uses[0]) < 0))
            throw new UsageException($"--every-solution-uses must be one of + * - /, got '{uses}'");
        var traits = traitNames.Select(ParseTrait).ToList();
        if (max is <= 0) throw new UsageException($"--max must be positive, got {max}");

        var all = ProblemFile.Read(problemsPath);
        var selected = all
            .Where(p => traits.Count == 0 || traits.Any(p.Has))
            .Where(p => uses is null || Solvability.EverySolutionUses(p.Nums, p.Target, uses[0]))
            .Take(max ?? int.MaxValue)
            .ToList();
        ProblemFile.Write(output, selected);
        Console.Error.WriteLine($"wrote {selected.Count} of {all.Count} problems ({Describe(uses, traitNames)}) to {output}");
        return 0;
    }

    private static ProblemTrait ParseTrait(string name) =>
        ProblemTraits.TryParse(name, out var trait)
            ? trait
            : throw new UsageException($"--trait must be one of {string.Join(", ", ProblemTraits.Names)}, got '{name}'");

    private static string Describe(string? uses, string[] traits) => string.Join("; ", new[]
    {
        uses is null ? null : $"every solution uses '{uses}'",
        traits.Length == 0 ? null : $"trait {string.Join(" or ", traits)}",
    }.Where(part => part is not null));
}
