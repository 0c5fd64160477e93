using System.CommandLine;
using AprOrleans.Client.Terminal;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.IO;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;

namespace AprOrleans.Client.Commands;

/// <summary>`apr data demos`: solver demonstrations for a problem file, with progress and a closing summary.</summary>
public static class DemosCommand
{
    public static Command Build()
    {
        var solver = new Option<string>("--solver") { Description = "apr (spawn/join) or sosp (serial SoS+)", DefaultValueFactory = _ => "apr" };
        solver.AcceptOnlyFromAmong("apr", "sosp");
        var problems = new Option<string>("--problems") { Description = "problem file (JSON Lines)", Required = true };
        var output = new Option<string>("--out") { Description = "output demonstrations file (JSON Lines)", Required = true };
        var seed = new Option<int>("--seed") { Description = "random seed of the solver", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var beam = new Option<string?>("--beam") { Description = "parent beam, N or MIN-MAX, drawn per problem (default: the paper's, apr 1-10, sosp 1-5)" };
        var order = new Option<string>("--order")
        {
            Description = "how kept successors are printed: shuffled (the paper) or generated (pairs left to right, then + * - /)",
            DefaultValueFactory = _ => "shuffled",
        };
        var command = new Command("demos", "Solve problems symbolically and write training demonstrations") { solver, problems, output, seed, threads, beam, order };
        command.SetAction(parse => Run(parse.GetValue(solver)!, parse.GetValue(problems)!, parse.GetValue(output)!, parse.GetValue(seed), parse.GetValue(threads),
                                       parse.GetValue(beam), parse.GetValue(order)!));
        return command;
    }

    public static ISolver CreateSolver(string name, BeamRange? beam = null, SuccessorOrder order = SuccessorOrder.Shuffled) =>
        name is "apr" or "sosp"
            ? SolverFactory.Create(name, CountdownTokenizer.Default, beam, order)
            : throw new UsageException($"--solver must be apr or sosp, got '{name}'");

    private static int Run(string solverName, string problemsPath, string output, int seed, int threads, string? beamText, string orderText)
    {
        if (threads <= 0) throw new UsageException($"--threads must be positive, got {threads}");
        BeamRange? beam = null;
        if (beamText is not null && (beam = BeamRange.TryParse(beamText, out var beamError)) is null) throw new UsageException($"--beam {beamError}");
        if (!SuccessorOrders.TryParse(orderText, out var order)) throw new UsageException($"--order must be shuffled or generated, got '{orderText}'");
        var solver = CreateSolver(solverName, beam, order);
        var problems = ProblemFile.Read(problemsPath);
        var stats = Write(solver, problems, output, seed, threads);
        Console.WriteLine($"{solverName}: {stats.Summary()}");
        return 0;
    }

    /// <summary>Generates and writes demonstrations atomically; returns their statistics.</summary>
    public static DemoStatistics Write(ISolver solver, IReadOnlyList<Problem> problems, string output, int seed, int threads)
    {
        var stats = new DemoStatistics();
        var progress = new ProgressBar($"{solver.Name} demos", problems.Count);
        using var file = new AtomicFileWriter(output);
        var generator = new DemoGenerator(solver, seed, threads);
        foreach (var block in generator.Generate(problems, d => (Demo: d, Json: DemonstrationFile.ToJson(d))))
        {
            foreach (var (demo, json) in block)
            {
                file.Writer.WriteLine(json);
                stats.Add(demo);
            }
            progress.Report(stats.Count, $"solved {stats.SolvedFraction:P1}");
        }
        file.Commit();
        progress.Finish(stats.Count);
        Console.Error.WriteLine($"wrote {stats.Count} demonstrations to {output} in {progress.Elapsed.TotalSeconds:F1} s ({stats.Count / Math.Max(progress.Elapsed.TotalSeconds, 1e-9):F0}/s)");
        return stats;
    }
}
