using System.Text.Json;
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
    public static int Run(string[] args)
    {
        var checkpoint = Args.String(args, "--checkpoint", "");
        var problemsPath = Args.String(args, "--problems", "");
        if (checkpoint.Length == 0 || problemsPath.Length == 0 || !File.Exists(problemsPath))
        {
            Console.Error.WriteLine("eval: --checkpoint DIR and --problems FILE (an existing problem file) are required");
            return 2;
        }
        if (!EvalModes.TryParse(Args.String(args, "--mode", "apr"), out var mode))
        {
            Console.Error.WriteLine("eval: --mode must be apr, serial or sc");
            return 2;
        }
        int samples = Args.Int(args, "--n", 1);
        float temperature = (float)Args.Double(args, "--temperature", 0.0);
        if (mode == EvalMode.SelfConsistency && samples < 2 || temperature < 0)
        {
            Console.Error.WriteLine("eval: --mode sc needs --n 2 or more, and --temperature must not be negative");
            return 2;
        }
        // As apr eval: self-consistency needs distinct samples, so greedy becomes temperature 1.
        if (mode == EvalMode.SelfConsistency && temperature == 0) temperature = 1.0f;
        var settings = new EvalSettings
        {
            Mode = mode,
            Samples = samples,
            Concurrency = Args.Int(args, "--concurrency", 64),
            Sampling = temperature == 0 ? SamplingSettings.Greedy : new SamplingSettings(Temperature: temperature),
        };
        if (settings.Validate() is { } fault)
        {
            Console.Error.WriteLine($"eval: {fault}");
            return 2;
        }
        var problems = ProblemFile.Read(problemsPath);
        var device = Args.String(args, "--device", "cpu");
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
