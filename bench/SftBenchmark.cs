using System.Diagnostics;
using System.Globalization;
using AprOrleans.Trainer;
using AprOrleans.Trainer.Data;
using AprOrleans.Trainer.Sft;
using static TorchSharp.torch;

namespace AprOrleans.Bench;

/// <summary>
/// <c>bench sft [--preset tiny] [--steps 20] [--warmup 3] [--batch-tokens 4096] [--device cpu] [--precision fp32|bf16] [--numbers 3] [--threads N] [--phases]</c>:
/// SFT training throughput (real, non-padding tokens per second) of the actual trainer step — forward, loss,
/// backward, clipping, AdamW — on generated APR demonstrations. Batches are produced before the clock starts so
/// the number is the model's, not the solver's; the first steps (allocations, optimizer state) are not timed.
/// <c>--phases</c> adds up to 5 more steps, each phase timed with device syncs, and prints milliseconds per phase.
/// </summary>
public static class SftBenchmark
{
    public static int Run(string[] args)
    {
        string Get(string name, string fallback)
        {
            int i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        int batchTokens = int.Parse(Get("batch-tokens", "4096"), CultureInfo.InvariantCulture);
        var settings = new SftSettings
        {
            Preset = Get("preset", "tiny"),
            Device = Get("device", "cpu"),
            Precision = args.Contains("--precision") ? Get("precision", TrainingPrecision.Fp32) : null,
            BatchTokens = batchTokens,
            ProblemsPerPool = PoolSizing.Problems(batchTokens),
            Numbers = int.Parse(Get("numbers", "3"), CultureInfo.InvariantCulture),
            Steps = 1_000_000,
            WarmupSteps = 0,
            EvalEvery = 0,
            SaveEvery = 0,
            ValidationProblems = 0,
            Out = Path.Combine(Path.GetTempPath(), "apr-bench-sft"),
        };
        if (TrainingPrecision.Problem(settings.Precision) is { } badPrecision)
        {
            Console.Error.WriteLine($"sft: {badPrecision}");
            return 2;
        }
        int steps = int.Parse(Get("steps", "20"), CultureInfo.InvariantCulture);
        int warmup = int.Parse(Get("warmup", "3"), CultureInfo.InvariantCulture);
        int threads = int.Parse(Get("threads", "0"), CultureInfo.InvariantCulture);
        if (threads > 0) set_num_threads(threads);

        using var trainer = SftTrainer.Start(settings);
        for (int i = 0; i < warmup; i++) trainer.TrainStep();
        // Make sure the timed steps find their pool ready: one step past a pool boundary is rare but possible,
        // so subtract data time measured by the trainer itself.
        double dataBefore = trainer.DataSeconds;
        long tokens = 0, padded = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            var r = trainer.TrainStep();
            tokens += r.RealTokens;
            padded += r.PaddedTokens;
        }
        double total = clock.Elapsed.TotalSeconds;
        double data = trainer.DataSeconds - dataBefore;
        double compute = total - data;
        string phases = "";
        if (args.Contains("--phases"))
        {
            // A separate, synchronized pass: the timed loop above stays free of the timer's device syncs.
            trainer.Phases = new StepPhaseTimer(trainer.Model.Device);
            for (int i = 0; i < Math.Min(steps, 5); i++) trainer.TrainStep();
            phases = $"\n  phases per step (synchronized, {trainer.Phases.Steps} steps): {trainer.Phases.Summary()}";
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sft preset {settings.Preset} ({trainer.Model.Config.ParameterCount / 1e6:F2}M params) device {settings.Device} ({settings.EffectivePrecision}) threads {get_num_threads()} " +
            $"batch-tokens {settings.BatchTokens}: {steps} steps, {tokens} tokens ({1 - (double)tokens / padded:P1} padding), " +
            $"{compute:F2} s compute + {data:F2} s data → {tokens / compute:F0} tokens/s ({compute / steps * 1000:F0} ms/step){phases}"));
        return 0;
    }
}
