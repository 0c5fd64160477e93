using System.Diagnostics;
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
    public static int Run(string[] args)
    {
        int count = Args.Int(args, "--count", 50_000);
        int numbers = Args.Int(args, "--numbers", 4);
        int threads = Args.Int(args, "--threads", Environment.ProcessorCount);
        string solverName = Args.String(args, "--solver", "apr");
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
