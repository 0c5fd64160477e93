using System.CommandLine;
using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Problems;

namespace AprOrleans.Client.Commands;

/// <summary>
/// `apr data select`: keeps, in file order, the problems that have a solution and none without a given operation.
/// Used to over-sample the problems a model misses (the session-9 Countdown-3 model solved 31 % of the held-out problems
/// that need a division and 95.5 % of the rest; README "Shipped checkpoint").
/// </summary>
public static class SelectCommand
{
    public static Command Build()
    {
        var problems = new Option<string>("--problems") { Description = "problem file (JSON Lines)", Required = true };
        var uses = new Option<string>("--every-solution-uses") { Description = "keep a problem when it has a solution and each of its solutions uses this operation: + * - or /", Required = true };
        var max = new Option<int?>("--max") { Description = "stop after this many selected problems (default: all)" };
        var output = new Option<string>("--out") { Description = "output JSON Lines file", Required = true };
        var command = new Command("select", "Keep the solvable problems whose every solution uses an operation") { problems, uses, max, output };
        command.SetAction(parse => Run(parse.GetValue(problems)!, parse.GetValue(uses)!, parse.GetValue(max), parse.GetValue(output)!));
        return command;
    }

    private static int Run(string problemsPath, string uses, int? max, string output)
    {
        if (uses.Length != 1 || Array.IndexOf(Operation.Symbols, uses[0]) < 0)
            throw new CliException($"--every-solution-uses must be one of + * - /, got '{uses}'");
        if (max is <= 0) throw new CliException($"--max must be positive, got {max}");
        var all = ProblemFile.Read(problemsPath);
        var selected = all.Where(p => Solvability.EverySolutionUses(p.Nums, p.Target, uses[0])).Take(max ?? int.MaxValue).ToList();
        ProblemFile.Write(output, selected);
        Console.Error.WriteLine($"wrote {selected.Count} of {all.Count} problems (every solution uses '{uses}') to {output}");
        return 0;
    }
}
