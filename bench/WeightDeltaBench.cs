using System.CommandLine;
using System.Diagnostics;
using System.IO.Compression;
using AprOrleans.CommandLine;
using static TorchSharp.torch;

namespace AprOrleans.Bench;

/// <summary>
/// Would publishing each weight version as a delta against the previous one shrink the upload? Draws N weights from
/// N(0, 0.02) (the model's init), moves every one by ±lr (the size of an Adam step), rounds both to bf16 (what
/// `trainer grpo --publish-dtype bf16` sends), and deflates the XOR of the two blobs: the share of bf16 values that
/// changed, the compressed size, and the compression and inflation times on this machine.
/// Usage: weight-delta [--weights 50000000] [--lr 1e-6,1e-5] [--seed 0]
/// </summary>
public static class WeightDeltaBench
{
    public static Command Command()
    {
        var weights = ValueOptions.Int("--weights", "weights drawn", 50_000_000, min: 1);
        var rates = ValueOptions.Text("--lr", "step sizes, comma-separated", "1e-6,1e-5");
        var seed = ValueOptions.Int("--seed", "generator seed", 0);
        var command = new Command("weight-delta", "how far deflating the XOR of two bf16 weight versions would shrink a publish") { weights, rates, seed };
        command.SetAction(parse => Run(parse.GetValue(weights), Rates(parse.GetValue(rates)!), parse.GetValue(seed)));
        return command;
    }

    private static double[] Rates(string list) =>
        [.. list.Split(',').Select(rate => double.TryParse(rate, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double lr) && double.IsFinite(lr)
            ? lr
            : throw new UsageException($"--lr '{list}': expected numbers separated by commas"))];

    private static int Run(long count, double[] rates, int seed)
    {
        var generator = new Generator((ulong)seed);
        using var weights = normal(0.0, 0.02, [count], generator: generator);
        using var before = weights.to(ScalarType.BFloat16);
        var old = before.bytes.ToArray();
        Console.WriteLine($"{count:N0} weights, bf16 blob {old.Length / 1e6:F0} MB");
        foreach (double lr in rates)
        {
            byte[] delta;
            using (NewDisposeScope())
            {
                var step = (rand([count], generator: generator) < 0.5).to(ScalarType.Float32).mul(2 * lr).sub(lr);
                delta = (weights + step).to(ScalarType.BFloat16).bytes.ToArray();
            }
            long changed = 0;
            for (int i = 0; i < delta.Length; i += 2)
            {
                delta[i] ^= old[i];
                delta[i + 1] ^= old[i + 1];
                if ((delta[i] | delta[i + 1]) != 0) changed++;
            }
            Console.WriteLine($"lr {lr:G}: {changed / (double)count:P2} of the bf16 values change");
            foreach (var level in new[] { CompressionLevel.Fastest, CompressionLevel.Optimal })
            {
                var (size, compress, inflate) = Deflate(delta, level);
                Console.WriteLine($"  deflate {level,-8}: {size / (double)delta.Length:P2} of the blob; compress {compress * 100 / (delta.Length / 1e6):F2} s per 100 MB, inflate {inflate * 100 / (delta.Length / 1e6):F2} s per 100 MB");
            }
        }
        return 0;
    }

    private static (long Size, double CompressSeconds, double InflateSeconds) Deflate(byte[] data, CompressionLevel level)
    {
        var compressed = new MemoryStream();
        var clock = Stopwatch.StartNew();
        using (var deflate = new DeflateStream(compressed, level, leaveOpen: true)) deflate.Write(data);
        double compress = clock.Elapsed.TotalSeconds;
        compressed.Position = 0;
        var back = new byte[data.Length];
        clock.Restart();
        using (var inflate = new DeflateStream(compressed, CompressionMode.Decompress, leaveOpen: true))
            inflate.ReadExactly(back);
        double inflateSeconds = clock.Elapsed.TotalSeconds;
        if (!back.AsSpan().SequenceEqual(data)) throw new InvalidOperationException("the inflated delta differs from the original");
        return (compressed.Length, compress, inflateSeconds);
    }
}
