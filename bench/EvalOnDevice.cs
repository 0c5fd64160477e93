using System.CommandLine;
using System.Text.Json;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Problems;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Evaluation;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Bench;

/// <summary>
/// <c>apr eval</c>'s JSON summary from the bench: a checkpoint on a device over a problem file, in mode apr, serial or
/// sc, with the engine's slots sized for the batch on a GPU. The GPU machine gets only the packed bench (the client with its
/// plotting library would not fit the transfer limit), and evaluating Countdown-4 models on the CPU takes hours.
/// Usage: eval --checkpoint DIR --problems FILE [--mode apr|serial|sc] [--n N] [--device cpu|cuda:N] [--concurrency 64]
///        [--temperature T (sc default 1.0)]
/// </summary>
public static class EvalOnDevice
{
    public static Command Command()
    {
        var checkpoint = ValueOptions.OptionalText("--checkpoint", "checkpoint directory (required)");
        var problems = ValueOptions.OptionalText("--problems", "problem file, JSON Lines (required)");
        var mode = ValueOptions.Text("--mode", "apr, serial or sc (self-consistency)", "apr");
        var samples = ValueOptions.Int("--n", "samples per problem for sc", 1);
        var device = ValueOptions.Text("--device", "cpu or cuda:N", "cpu");
        var concurrency = ValueOptions.Int("--concurrency", "problems in flight", 64);
        var temperature = ValueOptions.Double("--temperature", "sampling temperature; 0 = greedy (sc: 1)", 0);
        var command = new Command("eval", "apr eval's JSON summary (apr, serial or sc) for a checkpoint on a device, without plots")
            { checkpoint, problems, mode, samples, device, concurrency, temperature };
        command.SetAction(parse => Run(parse.GetValue(checkpoint), parse.GetValue(problems), parse.GetValue(mode)!, parse.GetValue(samples),
            parse.GetValue(device)!, parse.GetValue(concurrency), (float)parse.GetValue(temperature)));
        return command;
    }

    private static int Run(string? checkpoint, string? problemsPath, string modeName, int samples, string device, int concurrency, float temperature)
    {
        if (checkpoint is null || problemsPath is null || !File.Exists(problemsPath))
            throw new UsageException("--checkpoint DIR and --problems FILE (an existing problem file) are required");
        if (!EvalModes.TryParse(modeName, out var mode))
            throw new UsageException("--mode must be apr, serial or sc");
        if (mode == EvalMode.SelfConsistency && samples < 2 || temperature < 0)
            throw new UsageException("--mode sc needs --n 2 or more, and --temperature must not be negative");
        // As apr eval: self-consistency needs distinct samples, so greedy becomes temperature 1.
        if (mode == EvalMode.SelfConsistency && temperature == 0) temperature = 1.0f;
        var settings = new EvalSettings
        {
            Mode = mode,
            Samples = samples,
            Concurrency = concurrency,
            Sampling = temperature == 0 ? SamplingSettings.Greedy : new SamplingSettings(Temperature: temperature),
        };
        if (settings.Validate() is { } fault) throw new UsageException(fault);
        var problems = ProblemFile.Read(problemsPath);
        // On a GPU, slots for every thread in flight; on the CPU the engine's defaults (fp32 KV memory).
        using var local = LocalModel.Load(checkpoint, device, device.StartsWith("cpu", StringComparison.Ordinal) ? null : EngineSized(checkpoint, settings));
        settings = settings with { Limits = settings.Limits.FitTo(local.Engine.ContextTokens) };
        var (summary, _) = new Evaluator(local.Engine, local.Tokenizer, settings).RunAsync(problems, new Progress<int>()).GetAwaiter().GetResult();
        Console.WriteLine(JsonSerializer.Serialize(summary));
        return 0;
    }

    /// <summary>
    /// Enough slots for every thread in flight: each problem (× samples) holds one thread, in apr mode a parent and
    /// its children. The KV memory follows (half of slots × context, the engine's default).
    /// </summary>
    private static EngineOptions EngineSized(string checkpoint, EvalSettings settings)
    {
        var config = Model.Checkpoints.ModelCheckpoint.ReadConfig(checkpoint);
        int threadsPerTree = settings.Mode == EvalMode.Apr ? 1 + settings.Limits.MaxChildrenPerSpawn : 1;
        int slots = Math.Min(1024, settings.Concurrency * settings.Samples * threadsPerTree);
        return new EngineOptions { ContextTokens = config.MaxPositionEmbeddings, Slots = slots };
    }
}
