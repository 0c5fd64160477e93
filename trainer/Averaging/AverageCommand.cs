using System.CommandLine;
using System.Globalization;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Trainer.Cli;

namespace AprOrleans.Trainer.Averaging;

/// <summary>
/// <c>trainer average</c>: the weighted mean of several checkpoints of one shape and vocabulary, parameter by
/// parameter in fp32, saved as a model checkpoint (weights only: it starts no optimizer state, so train on with --init).
/// The usual use is the last checkpoints of one run, or the ends of runs that continue each other.
/// Exit codes: 0 saved; 2 bad options, an unreadable --from or checkpoints that do not match; 1 a failure while averaging or saving.
/// </summary>
public static class AverageCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var from = ValueOptions.OptionalText("--from", "the checkpoints to average, DIR,DIR[,DIR...] (required)");
        var weights = ValueOptions.OptionalText("--weights", "W,W[,W...]: one positive weight per checkpoint, scaled to sum 1 (default: equal)");
        var output = ValueOptions.OptionalText("--out", "a new directory for the averaged checkpoint (required)");
        var command = new Command("average", "The weighted mean of checkpoints of one shape and vocabulary, saved as a model checkpoint")
            { from, weights, output };
        command.SetAction(parse => Run(parse.GetValue(from), parse.GetValue(weights), parse.GetValue(output), stdout, stderr));
        return command;
    }

    private static int Run(string? fromList, string? weightList, string? outputOption, TextWriter stdout, TextWriter stderr)
    {
        List<string> sources = [.. (fromList ?? throw new UsageException("--from DIR,DIR[,...] is required (the checkpoints to average)"))
            .Split(',', StringSplitOptions.TrimEntries)];
        if (sources.Count < 2 || sources.Any(s => s.Length == 0))
            throw new UsageException($"--from '{fromList}': give at least two checkpoint directories, separated by commas");
        string output = outputOption ?? throw new UsageException("--out DIR is required (where the averaged checkpoint goes)");
        double[] weights = ParseWeights(weightList, sources.Count);
        CheckpointDirectories.RequireNewOutput(output, sources);
        RequireSameShape(sources);

        try
        {
            var (sum, tokenizer) = CheckpointDirectories.Readable("from", sources[0], () => ModelCheckpoint.Load(sources[0], dtype: TorchSharp.torch.ScalarType.Float32));
            using (sum)
            {
                WeightAveraging.Scale(sum, weights[0]);
                for (int i = 1; i < sources.Count; i++)
                {
                    var (next, _) = CheckpointDirectories.Readable("from", sources[i], () => ModelCheckpoint.Load(sources[i], dtype: TorchSharp.torch.ScalarType.Float32));
                    using (next) WeightAveraging.AddScaled(sum, next, weights[i]);
                }
                ModelCheckpoint.Save(output, sum, tokenizer);
                stdout.WriteLine($"average: {sum.Config.Preset} ({(sum.Config.ParameterCount / 1e6).ToString("F2", CultureInfo.InvariantCulture)}M parameters) = " +
                                 string.Join(" + ", sources.Select((s, i) => $"{weights[i].ToString("0.###", CultureInfo.InvariantCulture)} × {s}")) +
                                 $"; saved {output}");
            }
            return 0;
        }
        // An unreadable --from is still a bad option: the command line's UsageException goes on to exit 2.
        catch (Exception e) when (e is not UsageException)
        {
            // Save is atomic: a failure leaves no checkpoint behind.
            stderr.WriteLine($"trainer average: {e.Message}");
            return 1;
        }
    }

    private static double[] ParseWeights(string? text, int count)
    {
        if (text is null) return [.. Enumerable.Repeat(1.0 / count, count)];
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != count) throw new UsageException($"--weights '{text}': {parts.Length} weights for {count} checkpoints");
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]) || values[i] <= 0)
                throw new UsageException($"--weights '{text}': '{parts[i]}' is not a positive number");
        }
        // Scaled by the largest first, so that huge weights cannot overflow the sum.
        double largest = values.Max();
        var scaled = values.Select(v => v / largest).ToArray();
        double total = scaled.Sum();
        return [.. scaled.Select(v => v / total)];
    }

    /// <summary>Every checkpoint must have the first one's shape and vocabulary; checked from the small files first.</summary>
    private static void RequireSameShape(IReadOnlyList<string> sources)
    {
        ModelConfig? first = null;
        byte[]? firstVocabulary = null;
        foreach (var source in sources)
        {
            if (!File.Exists(Path.Combine(source, ModelCheckpoint.WeightsFile)))
                throw new UsageException($"--from '{source}': no {ModelCheckpoint.WeightsFile} there");
            var config = CheckpointDirectories.Readable("from", source, () => ModelCheckpoint.ReadConfig(source));
            var vocabulary = CheckpointDirectories.Readable("from", source, () => File.ReadAllBytes(Path.Combine(source, ModelCheckpoint.VocabularyFile)));
            if (first is null) (first, firstVocabulary) = (config, vocabulary);
            else if (config != first)
                throw new UsageException($"--from '{source}': its config.json ({config}) differs from '{sources[0]}''s ({first})");
            else if (!vocabulary.AsSpan().SequenceEqual(firstVocabulary))
                throw new UsageException($"--from '{source}': its {ModelCheckpoint.VocabularyFile} differs from '{sources[0]}''s");
        }
    }
}
