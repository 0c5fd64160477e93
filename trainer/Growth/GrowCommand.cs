using System.CommandLine;
using AprOrleans.CommandLine;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Model.Growth;
using AprOrleans.Trainer.Cli;
using static TorchSharp.torch;

namespace AprOrleans.Trainer.Growth;

/// <summary>
/// <c>trainer grow</c>: turns a trained checkpoint into a larger preset that computes the same logits
/// (<see cref="ModelGrowth"/>), checks that on random sequences and saves it, ready for <c>trainer sft --init</c>.
/// Exit codes: 0 saved; 2 bad options, an unreadable --from or a shape that is not a growth; 1 a failure while
/// growing, checking or saving.
/// </summary>
public static class GrowCommand
{
    // A grown model differs from its source by rounding only (fp32 reductions over wider rows, the √r-scaled queries): ~1e-5.
    private const double MaxAllowedLogitDifference = 1e-3;

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var from = ValueOptions.OptionalText("--from", "the checkpoint to grow (required)");
        var preset = ValueOptions.OptionalText("--preset", "the shape to grow into: tiny, small, base or paper (required)");
        var output = ValueOptions.OptionalText("--out", "a new directory for the grown checkpoint (required)");
        var context = ValueOptions.OptionalInt("--context", "positions (default: the source's)", min: 1);
        var seed = ValueOptions.Int("--seed", "seed of the new weights and of the check's random sequences", 1, min: 0);
        var command = new Command("grow", "Grow a checkpoint into a larger preset with the same logits, checked before it is saved")
            { from, preset, output, context, seed };
        command.SetAction(parse => Run(
            parse.GetValue(from) ?? throw new UsageException("--from MODEL_DIR is required (the checkpoint to grow)"),
            parse.GetValue(output) ?? throw new UsageException("--out DIR is required (where the grown checkpoint goes)"),
            parse.GetValue(preset) ?? throw new UsageException("--preset is required (the shape to grow into)"),
            parse.GetValue(context), parse.GetValue(seed), stdout, stderr));
        return command;
    }

    private static int Run(string from, string output, string preset, int? context, long seed, TextWriter stdout, TextWriter stderr)
    {
        if (!ModelConfig.PresetNames.Contains(preset))
            throw new UsageException($"--preset '{preset}': unknown preset (known: {string.Join(", ", ModelConfig.PresetNames)})");
        if (!File.Exists(Path.Combine(from, ModelCheckpoint.WeightsFile)))
            throw new UsageException($"--from '{from}': no {ModelCheckpoint.WeightsFile} there");
        CheckpointDirectories.RequireNewOutput(output, [from]);
        // The shape is checked from config.json before any weights are read.
        var sourceConfig = CheckpointDirectories.Readable("from", from, () => ModelCheckpoint.ReadConfig(from));
        var target = ModelConfig.FromPreset(preset, sourceConfig.VocabSize) with
        {
            MaxPositionEmbeddings = context ?? sourceConfig.MaxPositionEmbeddings,
        };
        try { ModelGrowth.CheckGrowable(sourceConfig, target); }
        catch (ArgumentException e) { throw new UsageException($"--preset {preset}: {e.Message}"); }
        var (source, tokenizer) = CheckpointDirectories.Readable("from", from, () => ModelCheckpoint.Load(from));

        try
        {
            using (source)
            using (var grown = ModelGrowth.Grow(source, target, seed))
            {
                var difference = CheckSameLogits(source, grown, seed);
                stdout.WriteLine($"grow: {source.Config.Preset} ({source.Config.ParameterCount / 1e6:F2}M parameters) → {target.Preset} " +
                                 $"({target.ParameterCount / 1e6:F2}M); max |Δ logit| on 4 random sequences: {difference:E2}");
                if (!(difference <= MaxAllowedLogitDifference)) // NaN included
                {
                    stderr.WriteLine($"trainer grow: the grown model's logits differ by {difference:E2} (> {MaxAllowedLogitDifference:E0}); nothing saved");
                    return 1;
                }
                ModelCheckpoint.Save(output, grown, tokenizer);
            }
            stdout.WriteLine($"grow: saved {output}; train it with trainer sft --preset {target.Preset} --init {output} ...");
            return 0;
        }
        catch (Exception e)
        {
            // Nothing is saved before the check passes, and Save is atomic: any failure leaves no checkpoint behind.
            stderr.WriteLine($"trainer grow: {e.Message}");
            return 1;
        }
    }

    private static double CheckSameLogits(LlamaForCausalLM source, LlamaForCausalLM grown, long seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, CPU);
        long length = Math.Min(128, Math.Min(source.Config.MaxPositionEmbeddings, grown.Config.MaxPositionEmbeddings));
        var tokens = randint(source.Config.VocabSize, [4, length], generator: generator, dtype: ScalarType.Int64);
        return ModelGrowth.MaxLogitDifference(source, grown, tokens);
    }
}
