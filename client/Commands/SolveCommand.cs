using System.CommandLine;
using System.Text.Json;
using AprOrleans.Client.Rendering;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Problems;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Evaluation;

namespace AprOrleans.Client.Commands;

/// <summary>`apr solve TARGET N1 N2 …`: solves one problem with the model and prints the answer and the thread tree.</summary>
public static class SolveCommand
{
    public static Command Build()
    {
        var numbers = new Argument<string[]>("TARGET NUMBERS") { Description = "the target, then the numbers (e.g. 27 22 26 31 53)", Arity = ArgumentArity.OneOrMore };
        var mode = new Option<string>("--mode") { Description = "apr (spawn/join) or serial", DefaultValueFactory = _ => "apr" };
        mode.AcceptOnlyFromAmong("apr", "serial");
        var text = new Option<bool>("--text") { Description = "print every thread's text under it" };
        var json = new Option<bool>("--json") { Description = "print the result as JSON" };
        var silo = new Option<string?>("--silo") { Description = "solve on a running silo's gRPC API (e.g. http://127.0.0.1:5080) instead of in-process" };
        var model = new ModelOptions();
        var command = new Command("solve", "Solve one Countdown problem with the model and show its threads") { numbers, mode, text, json, silo };
        model.AddTo(command);
        command.SetAction(parse => parse.GetValue(silo) is { } url
            ? RunRemote(url, ParseProblem(parse.GetValue(numbers)!), parse.GetValue(mode)!, parse.GetValue(text), parse.GetValue(json), model, parse)
            : Run(ParseProblem(parse.GetValue(numbers)!), parse.GetValue(mode)!, parse.GetValue(text), parse.GetValue(json), model, parse));
        return command;
    }

    public static Problem ParseProblem(string[] values)
    {
        var parsed = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (!int.TryParse(values[i], out parsed[i]))
                throw new UsageException($"'{values[i]}' is not an integer (expected TARGET then numbers, e.g. 27 22 26 31 53)");
        }
        if (parsed.Length < 3) throw new UsageException("expected a target and at least two numbers, e.g. 27 22 26 31 53");
        var problem = new Problem(parsed[1..], parsed[0]);
        if (ProblemLimits.Check(problem.Nums, problem.Target) is { } fault) throw new UsageException($"{fault.Field}: {fault.Message}");
        if (!Solvability.IsSolvable(problem.Nums, problem.Target))
            throw new UsageException($"{problem} has no solution with + - * / (each number used once)");
        return problem;
    }

    private static int RunRemote(string url, Problem problem, string modeName, bool withText, bool asJson, ModelOptions options, ParseResult parse)
    {
        using var remote = new Remote.RemoteSolver(url);
        var response = remote.Solve(problem, modeName == "serial", options.Limits(parse), options.Sampling(parse), TimeSpan.FromMinutes(10));
        if (asJson)
        {
            Console.WriteLine(Google.Protobuf.JsonFormatter.Default.Format(response));
            return 0;
        }
        Console.WriteLine($"problem  {problem}   mode {modeName}   silo {url}   solve {response.SolveId}");
        Console.WriteLine(response.Correct ? "answer   correct" : $"answer   {(response.Answer.Length == 0 ? "none" : "wrong")}: {response.CheckDetail}");
        Console.WriteLine($"threads  ({response.Totals.GeneratedTokens} tokens generated, {response.Totals.SequentialTokens} sequential, {response.Totals.ElapsedMs:F0} ms)");
        Console.Write(RemoteTreePrinter.Render(response.Root, withText));
        if (response.Answer.Length > 0)
        {
            Console.WriteLine("solution path");
            foreach (var line in response.Answer.TrimEnd().Split('\n')) Console.WriteLine($"  {line}");
        }
        return 0;
    }

    private static int Run(Problem problem, string modeName, bool withText, bool asJson, ModelOptions options, ParseResult parse)
    {
        var settings = new EvalSettings
        {
            Mode = modeName == "serial" ? EvalMode.Serial : EvalMode.Apr,
            Sampling = options.Sampling(parse),
            Limits = options.Limits(parse),
        };
        using var local = options.Load(parse);
        settings = settings with { Limits = settings.Limits.FitTo(local.Engine.ContextTokens) };
        var outcome = new ProblemEvaluator(local.Engine, local.Tokenizer, settings).EvaluateAsync(problem, seed: 0).GetAwaiter().GetResult();
        var root = outcome.Trees[0];
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                problem = new { nums = problem.Nums, target = problem.Target },
                mode = modeName,
                correct = outcome.Correct,
                answer = outcome.Answer,
                reason = outcome.Reason,
                total_tokens = outcome.TotalTokens,
                sequential_tokens = outcome.SequentialTokens,
                latency_ms = outcome.Latency.TotalMilliseconds,
                threads = root.SelfAndDescendants().Select(t => new
                {
                    node = t.NodeId, level = t.Level, tokens = t.GeneratedTokens, end = t.End.ToString(), detail = t.EndDetail,
                    elapsed_ms = t.Elapsed.TotalMilliseconds, prompt = t.Prompt, text = t.Text, answer = t.Answer,
                }),
            }));
            return 0;
        }
        Console.WriteLine($"problem  {problem}   mode {modeName}   checkpoint {local.Checkpoint}");
        Console.WriteLine(outcome.Correct ? "answer   correct" : $"answer   {(outcome.Answer is null ? "none" : "wrong")}: {outcome.Reason}");
        Console.WriteLine($"threads  ({outcome.TotalTokens} tokens generated, {outcome.SequentialTokens} sequential, {outcome.Latency.TotalMilliseconds:F0} ms)");
        Console.Write(ThreadTreePrinter.Render(root, withText));
        if (outcome.Answer is not null)
        {
            Console.WriteLine("solution path");
            foreach (var line in outcome.Answer.TrimEnd().Split('\n')) Console.WriteLine($"  {line}");
        }
        return 0;
    }
}
