using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AprOrleans.CommandLine;
using AprOrleans.Trainer;
using AprOrleans.Trainer.Data;
using AprOrleans.Trainer.Sft;
using static TorchSharp.torch;

namespace AprOrleans.Bench;

/// <summary>
/// <c>bench sft [--preset tiny] [--steps 20] [--warmup 3] [--batch-tokens 4096] [--accumulate 1] [--device cpu] [--precision fp32|bf16] [--numbers 3] [--threads N] [--phases]</c>:
/// SFT training throughput (real, non-padding tokens per second) of the actual trainer step — forward, loss,
/// backward, clipping, AdamW — on generated APR demonstrations. Batches are produced before the clock starts so
/// the number is the model's, not the solver's; the first steps (allocations, optimizer state) are not timed.
/// <c>--accumulate N</c> makes a step N batches of --batch-tokens with their gradients summed (the trainer's
/// <c>--accumulate</c>): the effective batch a device's memory cannot hold at once; tokens and ms are per optimizer step.
/// <c>--phases</c> adds up to 5 more steps, each phase timed with device syncs, and prints milliseconds per phase.
/// </summary>
public static class SftBenchmark
{
    public static Command Command()
    {
        var preset = ValueOptions.Text("--preset", "model preset", "tiny");
        var steps = ValueOptions.Int("--steps", "timed steps", 20);
        var warmup = ValueOptions.Int("--warmup", "untimed steps first", 3);
        var batchTokens = ValueOptions.Int("--batch-tokens", "padded tokens per batch", 4096);
        var accumulate = ValueOptions.Int("--accumulate", "batches per optimizer step, gradients summed", 1, min: 1);
        var device = ValueOptions.Text("--device", "cpu or cuda:N", "cpu");
        var precision = ValueOptions.OptionalText("--precision", "fp32 or bf16 (default: the trainer's for the device)");
        var numbers = ValueOptions.Int("--numbers", "numbers per generated problem", 3);
        var threads = ValueOptions.Int("--threads", "libtorch CPU threads (0 = its default)", 0);
        var phases = ValueOptions.Flag("--phases", "time each phase of up to 5 more steps, with device syncs");
        var command = new Command("sft", "SFT training tokens/s for a preset") { preset, steps, warmup, batchTokens, accumulate, device, precision, numbers, threads, phases };
        command.SetAction(parse => Run(parse.GetValue(preset)!, parse.GetValue(device)!, parse.GetValue(precision), parse.GetValue(batchTokens), parse.GetValue(accumulate),
            parse.GetValue(numbers), parse.GetValue(steps), parse.GetValue(warmup), parse.GetValue(threads), parse.GetValue(phases)));
        return command;
    }

    private static int Run(string preset, string device, string? precision, int batchTokens, int accumulate, int numbers, int steps, int warmup, int threads, bool timePhases)
    {
        var settings = new SftSettings
        {
            Preset = preset,
            Device = device,
            Precision = precision,
            BatchTokens = batchTokens,
            Accumulate = accumulate,
            ProblemsPerPool = PoolSizing.Problems(batchTokens),
            Numbers = numbers,
            Steps = 1_000_000,
            WarmupSteps = 0,
            EvalEvery = 0,
            SaveEvery = 0,
            ValidationProblems = 0,
            Out = Path.Combine(Path.GetTempPath(), "apr-bench-sft"),
        };
        if (TrainingPrecision.Problem(settings.Precision) is { } badPrecision) throw new UsageException(badPrecision);
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
        if (timePhases)
        {
            // A separate, synchronized pass: the timed loop above stays free of the timer's device syncs.
            trainer.Phases = new StepPhaseTimer(trainer.Model.Device);
            for (int i = 0; i < Math.Min(steps, 5); i++) trainer.TrainStep();
            phases = $"\n  phases per step (synchronized, {trainer.Phases.Steps} steps): {trainer.Phases.Summary()}";
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sft preset {settings.Preset} ({trainer.Model.Config.ParameterCount / 1e6:F2}M params) device {settings.Device} ({settings.EffectivePrecision}) threads {get_num_threads()} " +
            $"batch-tokens {settings.BatchTokens} × {settings.Accumulate} per step: {steps} steps, {tokens} tokens ({1 - (double)tokens / padded:P1} padding), " +
            $"{compute:F2} s compute + {data:F2} s data → {tokens / compute:F0} tokens/s ({compute / steps * 1000:F0} ms/step){phases}"));
        return 0;
    }
}
