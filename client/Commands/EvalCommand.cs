using System.CommandLine;
using System.Text.Json;
using AprOrleans.Client.Plots;
using AprOrleans.Client.Terminal;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.IO;
using AprOrleans.Countdown.Problems;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Evaluation;

namespace AprOrleans.Client.Commands;

/// <summary>
/// `apr eval`: accuracy, compute and latency of a checkpoint on a problem file in one mode; with --plots DIR the
/// run is added to DIR/results.jsonl and the accuracy-vs-tokens and accuracy-vs-latency plots are redrawn; with
/// --record FILE every sample of every problem is written for `apr report`.
/// </summary>
public static class EvalCommand
{
    public const string ResultsFile = "results.jsonl";

    public static Command Build()
    {
        var problems = new Option<string>("--problems") { Description = "problem file (JSON Lines)", Required = true };
        var mode = new Option<string>("--mode") { Description = "apr, serial or sc (self-consistency)", DefaultValueFactory = _ => "apr" };
        mode.AcceptOnlyFromAmong("apr", "serial", "sc");
        var samples = new Option<int>("--n") { Description = "samples per problem for sc", DefaultValueFactory = _ => 1 };
        var subCalls = new Option<int?>("--sub-call-budget") { Description = "APR conditioning: 'Sub Call Budget: N' (0–10)" };
        var tokenBudget = new Option<int?>("--token-budget") { Description = "serial conditioning: 'Token Budget: B'" };
        var concurrency = new Option<int>("--concurrency") { Description = "problems in flight (the engine batches across them)", DefaultValueFactory = _ => 32 };
        var json = new Option<bool>("--json") { Description = "print the summary as one JSON object" };
        var plots = new Option<string?>("--plots") { Description = "folder collecting results and plots (SVG)" };
        var outcomes = new Option<string?>("--outcomes") { Description = "write one JSON line per problem (solved or not, why, tokens, the root's text) to FILE" };
        var silo = new Option<string?>("--silo") { Description = "evaluate through a running silo's gRPC API (apr and serial modes)" };
        var record = new Option<string?>("--record") { Description = "write the run, every sample of every problem, to FILE (JSON Lines) for apr report" };
        var label = new Option<string?>("--label") { Description = "the model's name in a recorded run and the report's legends (default: the checkpoint folder's name)" };
        var model = new ModelOptions();
        var command = new Command("eval", "Evaluate a checkpoint on a problem file") { problems, mode, samples, subCalls, tokenBudget, concurrency, json, plots, outcomes, silo, record, label };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            EvalModes.TryParse(parse.GetValue(mode)!, out var evalMode);
            var settings = new EvalSettings
            {
                Mode = evalMode,
                Samples = parse.GetValue(samples),
                SubCallBudget = parse.GetValue(subCalls),
                TokenBudget = parse.GetValue(tokenBudget),
                Concurrency = parse.GetValue(concurrency),
                Sampling = model.Sampling(parse),
                Limits = model.Limits(parse),
            };
            if (settings.Mode == EvalMode.SelfConsistency && settings.Samples < 2)
                throw new UsageException("--mode sc needs --n 2 or more samples per problem");
            if (settings.Validate() is { } fault) throw new UsageException(fault);
            if (settings.Mode == EvalMode.SelfConsistency && settings.Sampling.Temperature == 0)
                settings = settings with { Sampling = settings.Sampling with { Temperature = 1.0f } };
            var outcomesPath = parse.GetValue(outcomes);
            if (outcomesPath is not null && parse.GetValue(silo) is not null)
                throw new UsageException("--outcomes needs the model in-process: the Solve API returns no per-thread data for it");
            var recording = parse.GetValue(record) is { } recordPath ? new RunRecording(recordPath, parse.GetValue(label)) : null;
            if (recording is not null && parse.GetValue(silo) is not null)
                throw new UsageException("--record needs the model in-process: the Solve API returns no per-thread data for it");
            if (recording?.Label is { Length: 0 }) throw new UsageException("--label must not be empty");
            return Run(parse.GetValue(problems)!, settings, parse.GetValue(json), parse.GetValue(plots), outcomesPath, recording, parse.GetValue(silo), model, parse);
        });
        return command;
    }

    private static int Run(string problemsPath, EvalSettings settings, bool asJson, string? plotsDir, string? outcomesPath,
        RunRecording? recording, string? silo, ModelOptions options, ParseResult parse)
    {
        var problems = ProblemFile.Read(problemsPath);
        var started = DateTimeOffset.UtcNow;
        var progress = new ProgressBar($"eval {EvalModes.Name(settings.Mode)}", problems.Count);
        var reporter = new Progress<int>(done => progress.Report(done));
        EvalSummary summary;
        if (silo is not null)
        {
            if (settings.Mode == EvalMode.SelfConsistency || settings.SubCallBudget is not null || settings.TokenBudget is not null)
                throw new UsageException("--silo evaluates apr and serial without budgets (the Solve API takes no sc or conditioning yet)");
            using var remote = new Remote.RemoteSolver(silo);
            summary = Remote.RemoteEvaluator.Run(remote, problems, settings, reporter);
        }
        else
        {
            using var local = options.Load(parse);
            settings = settings with { Limits = settings.Limits.FitTo(local.Engine.ContextTokens) };
            IReadOnlyList<ProblemOutcome> outcomes;
            (summary, outcomes) = new Evaluator(local.Engine, local.Tokenizer, settings).RunAsync(problems, reporter).GetAwaiter().GetResult();
            if (outcomesPath is not null) WriteOutcomes(outcomesPath, outcomes);
            if (recording is not null)
                RunRecorder.Write(recording, problemsPath, problems, settings, summary, outcomes, local.Checkpoint, parse.GetValue(options.Device)!,
                    parse.GetValue(options.TorchThreads), started);
        }
        progress.Finish(problems.Count);

        var line = JsonSerializer.Serialize(summary);
        if (asJson) Console.WriteLine(line);
        else
        {
            Console.WriteLine($"{summary.Mode}: accuracy {summary.Accuracy:P1} on {summary.Problems} problems (pass@{summary.Samples} {summary.PassAtN:P1})");
            if (summary.AccuracyByPaperCheck is { } paper) Console.WriteLine($"  by the paper's released check (operation lines only): {paper:P1}");
            Console.WriteLine($"  mean total tokens {summary.MeanTotalTokens:F0}, sequential {summary.MeanSequentialTokens:F0}, children per spawn {summary.MeanChildrenPerSpawn:F2}, latency {summary.MeanLatencyMs:F0} ms");
            if (summary.LimitHits.Count > 0) Console.WriteLine($"  limits hit: {string.Join(", ", summary.LimitHits.Select(kv => $"{kv.Key} {kv.Value}"))}");
            if (summary.Misses is { Count: > 0 } misses) Console.WriteLine($"  misses: {string.Join(", ", misses.Select(kv => $"{kv.Key} {kv.Value}"))}");
        }
        if (plotsDir is not null)
        {
            Directory.CreateDirectory(plotsDir);
            var resultsPath = Path.Combine(plotsDir, ResultsFile);
            File.AppendAllLines(resultsPath, [line]);
            var all = File.ReadLines(resultsPath).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<EvalSummary>(l)!).ToList();
            foreach (var written in EvalPlots.Write(plotsDir, all)) Console.Error.WriteLine($"wrote {written}");
        }
        return 0;
    }

    private static void WriteOutcomes(string path, IReadOnlyList<ProblemOutcome> outcomes)
    {
        using var file = new AtomicFileWriter(path);
        foreach (var outcome in outcomes) file.Writer.WriteLine(JsonSerializer.Serialize(ProblemOutcomeRecord.From(outcome)));
        file.Commit();
    }
}
