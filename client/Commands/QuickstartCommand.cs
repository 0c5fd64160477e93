using System.CommandLine;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;

namespace AprOrleans.Client.Commands;

/// <summary>
/// `apr quickstart`: the README's main job on an embedded default. Generates a Countdown-4 problem set,
/// writes APR and SoS+ demonstrations, checks every answer with the exact checker, and shows one
/// spawn/join demonstration thread by thread.
/// </summary>
public static class QuickstartCommand
{
    public static Command Build()
    {
        var count = new Option<int>("--count") { Description = "problems to generate", DefaultValueFactory = _ => 1000 };
        var dir = new Option<string>("--data") { Description = "output folder", DefaultValueFactory = _ => Path.Combine("data", "quickstart") };
        var command = new Command("quickstart", "Generate problems and demonstrations, check them, and show an APR trace") { count, dir };
        command.SetAction(parse => Run(parse.GetValue(count), parse.GetValue(dir)!));
        return command;
    }

    private static int Run(int count, string dir)
    {
        if (count <= 0) throw new UsageException($"--count must be positive, got {count}");
        Directory.CreateDirectory(dir);
        var problemsPath = Path.Combine(dir, "problems.jsonl");
        var problems = new ProblemGenerator(4, seed: 0).Take(count).ToList();
        ProblemFile.Write(problemsPath, problems);
        Console.WriteLine($"{count} Countdown-4 problems -> {problemsPath}");

        foreach (var solverName in new[] { "apr", "sosp" })
        {
            var demosPath = Path.Combine(dir, $"demos-{solverName}.jsonl");
            var stats = DemosCommand.Write(DemosCommand.CreateSolver(solverName), problems, demosPath, seed: 0, Environment.ProcessorCount);
            int checkedValid = DemonstrationFile.Read(demosPath)
                .Count(d => d.Answer is not null && SolutionChecker.Check(d.Problem, d.Answer).Valid);
            Console.WriteLine($"{solverName,-5} {stats.Summary()}");
            Console.WriteLine($"{"",-5} exact checker accepts {checkedValid}/{stats.Solved} solved answers -> {demosPath}");
        }

        var example = DemonstrationFile.Read(Path.Combine(dir, "demos-apr.jsonl")).First(d => d.Solved && d.ChildrenPerSpawn.Count > 0);
        Console.WriteLine();
        Console.WriteLine($"Example APR demonstration for {example.Problem}:");
        foreach (var s in example.Sequences)
        {
            var lines = s.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Console.WriteLine($"  {s.Role,-6} node #{s.NodeId,-6} {lines.Length,3} lines  first: {lines[0]}  last: {lines[^1]}");
        }
        Console.WriteLine($"  answer:\n    {example.Answer!.TrimEnd().Replace("\n", "\n    ")}");
        return 0;
    }
}
