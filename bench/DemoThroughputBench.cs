using System.CommandLine;
using System.Diagnostics;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;

namespace AprOrleans.Bench;

/// <summary>
/// Solver throughput: demonstrations per second for N Countdown problems on all cores, including
/// tokenization and JSON serialization (what `apr data demos` does), excluding disk writes.
/// Usage: demos [--count N] [--numbers 4] [--solver apr|sosp] [--threads T]
/// </summary>
public static class DemoThroughputBench
{
    public static Command Command()
    {
        var count = ValueOptions.Int("--count", "problems to solve", 50_000);
        var numbers = ValueOptions.Int("--numbers", "numbers per problem", 4);
        var threads = ValueOptions.Int("--threads", "solver threads", Environment.ProcessorCount);
        var solver = ValueOptions.Text("--solver", "apr, or sosp for SoS+", "apr");
        var command = new Command("demos", "APR/SoS+ demonstrations per second (all cores)") { count, numbers, threads, solver };
        command.SetAction(parse => Run(parse.GetValue(count), parse.GetValue(numbers), parse.GetValue(threads), parse.GetValue(solver)!));
        return command;
    }

    private static int Run(int count, int numbers, int threads, string solverName)
    {
        ISolver solver = solverName == "sosp" ? new SosPlusSolver(CountdownTokenizer.Default) : new AprSolver(CountdownTokenizer.Default);

        var generate = Stopwatch.StartNew();
        var problems = new ProblemGenerator(numbers, seed: 1).Take(count).ToList();
        generate.Stop();

        var solve = Stopwatch.StartNew();
        long bytes = 0;
        var stats = new DemoStatistics();
        foreach (var block in new DemoGenerator(solver, seed: 1, threads).Generate(problems))
        {
            foreach (var demo in block)
            {
                bytes += DemonstrationFile.ToJson(demo).Length;
                stats.Add(demo);
            }
        }
        solve.Stop();

        double perSecond = count / solve.Elapsed.TotalSeconds;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {threads} threads, .NET {Environment.Version}");
        Console.WriteLine($"problems: {count} Countdown-{numbers} generated in {generate.Elapsed.TotalSeconds:F2} s ({count / generate.Elapsed.TotalSeconds:F0}/s)");
        Console.WriteLine($"{solverName} demonstrations: {solve.Elapsed.TotalSeconds:F2} s, {perSecond:F0}/s, {bytes / 1e6:F1} MB of JSON");
        Console.WriteLine($"projected 500 000 demonstrations: {500_000 / perSecond / 60:F1} min (target < 10 min)");
        Console.WriteLine(stats.Summary());
        return 0;
    }
}
