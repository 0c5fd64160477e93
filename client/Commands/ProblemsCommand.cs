using System.CommandLine;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Problems;

namespace AprOrleans.Client.Commands;

/// <summary>`apr data problems`: a seeded, deduplicated, solvable problem set with the paper's distribution.</summary>
public static class ProblemsCommand
{
    public static Command Build()
    {
        var numbers = new Option<int>("--numbers") { Description = "numbers per problem: 3, 4 (the paper's task) or 5", DefaultValueFactory = _ => 4 };
        var count = new Option<int>("--count") { Description = "how many problems", Required = true };
        var seed = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "output JSON Lines file", Required = true };
        var exclude = new Option<string[]>("--exclude") { Description = "problem files whose problems must not appear (held-out splits)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("problems", "Generate Countdown problems as JSON Lines") { numbers, count, seed, output, exclude };
        command.SetAction(parse => Run(parse.GetValue(numbers), parse.GetValue(count), parse.GetValue(seed), parse.GetValue(output)!, parse.GetValue(exclude) ?? []));
        return command;
    }

    private static int Run(int numbers, int count, int seed, string output, string[] exclude)
    {
        if (numbers is < 3 or > 5) throw new UsageException($"--numbers must be 3, 4 or 5, got {numbers}");
        if (count <= 0) throw new UsageException($"--count must be positive, got {count}");
        var excluded = exclude.SelectMany(ProblemFile.Read).Select(p => p.Key);
        var generator = new ProblemGenerator(numbers, seed, excluded);
        try
        {
            ProblemFile.Write(output, generator.Take(count));
        }
        catch (ProblemSpaceExhaustedException e)
        {
            // The file is written atomically, so nothing partial is left at --out.
            throw new UsageException($"--count {count}: {e.Message}; {output} was not written");
        }
        Console.Error.WriteLine($"wrote {count} problems with {numbers} numbers (seed {seed}) to {output}");
        return 0;
    }
}
