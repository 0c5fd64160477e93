using System.CommandLine;
using System.Diagnostics;
using AprOrleans.Api;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Grains.Weights;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Storage.Weights;
using AprOrleans.Trainer.Weights;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using static TorchSharp.torch;

namespace AprOrleans.Bench;

/// <summary>
/// Weight sync: a random model of a preset (fp32, CPU) is served by an in-process silo on loopback; each repeat
/// publishes a changed copy of its weights with <see cref="WeightPublisher"/> and waits, polling ListServing, until
/// every batcher serves the new version. Reports the median publish → serving time and its phases: the client's
/// hash, upload + verify + store (the silo's store_ms), and the silo's fetch and load.
/// With PostgreSQL storage (<c>--postgres</c> or APR_TEST_POSTGRES) <c>--silos N</c> starts a cluster of N silos: the one
/// that receives the upload keeps it as its local copy, the others fetch the blob from PostgreSQL.
/// <c>--blob-dtype bf16</c> publishes bf16 copies (what a trainer with <c>--publish-dtype bf16</c> sends to bf16-serving
/// silos); the CPU silos here load them into their fp32 model.
/// <c>--shared</c> gives the silos a shared weights directory and publishes through it (<c>Weights.PublishShared</c>,
/// what <c>trainer grpo --shared-weights</c> does): the blob is hard-linked into the outbox instead of uploaded, and
/// every silo loads it from the shared store in place.
/// Usage: weight-sync [--preset base|paper] [--repeats 3] [--postgres CONNECTION] [--silos 1] [--blob-dtype fp32|bf16] [--shared]
/// </summary>
public static class WeightSyncBench
{
    /// <summary>A fresh admin token per run, generated as an operator would (the silo refuses short or placeholder ones).</summary>
    private static readonly string Token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static Command Command()
    {
        var preset = ValueOptions.Text("--preset", "model preset (random weights)", "base");
        var repeats = ValueOptions.Int("--repeats", "publishes timed", 3);
        // Not a parser default: help would print the connection string.
        var postgres = ValueOptions.OptionalText("--postgres", "PostgreSQL connection string for the silos' storage (default: env APR_TEST_POSTGRES, else memory)");
        var silos = ValueOptions.Int("--silos", "silos in the cluster (above 1 needs --postgres)", 1);
        var blobDType = ValueOptions.Text("--blob-dtype", "fp32 or bf16: the published copies", "fp32");
        var shared = ValueOptions.Flag("--shared", "publish through a shared weights directory instead of uploading");
        var command = new Command("weight-sync", "Weights.Publish → every batching grain serving the new version, with its phases")
            { preset, repeats, postgres, silos, blobDType, shared };
        command.SetAction(parse => Run(parse.GetValue(preset)!, parse.GetValue(repeats), parse.GetValue(silos), parse.GetValue(blobDType)!,
            parse.GetValue(postgres) ?? Environment.GetEnvironmentVariable("APR_TEST_POSTGRES") ?? "", parse.GetValue(shared)));
        return command;
    }

    private static int Run(string preset, int repeats, int silos, string blobDType, string postgres, bool shared)
    {
        if (!ModelConfig.PresetNames.Contains(preset) || repeats < 1 || silos < 1 || silos > 1 && postgres.Length == 0 || blobDType is not ("fp32" or "bf16"))
            throw new UsageException($"--preset must be one of {string.Join(", ", ModelConfig.PresetNames)}, --repeats at least 1, --silos above 1 only with --postgres, --blob-dtype fp32 or bf16");
        var work = Path.Combine(Path.GetTempPath(), $"apr-weight-sync-{Guid.NewGuid():N}");
        try
        {
            return RunAsync(preset, repeats, postgres, silos, work, blobDType == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32, shared).GetAwaiter().GetResult();
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    private sealed record Sample(double TotalMs, double PublishCallMs, double StoreMs, double FetchMs, double LoadMs, double HashMs, double CpuMs, int Gen2Collections);

    private static async Task<int> RunAsync(string preset, int repeats, string postgres, int siloCount, string work, ScalarType blobDType, bool shared)
    {
        var config = ModelConfig.FromPreset(preset, CountdownTokenizer.Default.VocabularySize);
        using var net = LlamaForCausalLM.Create(config, seed: 1);
        var checkpoint = Path.Combine(work, "checkpoint");
        ModelCheckpoint.Save(checkpoint, net, CountdownTokenizer.Default);
        var storage = postgres.Length > 0 ? "postgres" : "memory";
        // The blobs are written in the work directory, on the shared directory's file system: the outbox gets hard links.
        string? sharedDirectory = shared ? Directory.CreateDirectory(Path.Combine(work, "shared")).FullName : null;
        Console.WriteLine($"preset {preset}: {config.ParameterCount / 1e6:F1}M parameters, blobs in {blobDType}; storage {storage}; " +
                          $"publish {(shared ? "through a shared directory (PublishShared)" : "by upload (Publish)")}; " +
                          $"{repeats} repeats; {Environment.ProcessorCount} cores, torch threads {get_num_threads()}");

        var serviceId = $"bench-{Guid.NewGuid():N}"[..20];
        var silos = new List<LoopbackSilo>();
        try
        {
            for (int i = 0; i < siloCount; i++)
            {
                silos.Add(await LoopbackSilo.StartAsync(new Dictionary<string, string?>
                {
                    ["Apr:SiloName"] = $"bench-{i}", ["Apr:ClusterId"] = serviceId, ["Apr:ServiceId"] = serviceId,
                    ["Apr:Checkpoint"] = checkpoint, ["Apr:AdminToken"] = Token, ["Apr:EngineSlots"] = "4", ["Apr:EngineContextTokens"] = "256",
                    ["Apr:WeightsDirectory"] = Path.Combine(work, $"silo-{i}"), ["Apr:Storage"] = storage,
                    ["Apr:ConnectionString"] = postgres.Length > 0 ? postgres : null, ["Apr:SharedWeightsDirectory"] = sharedDirectory,
                }));
            }
            return await MeasureAsync(silos, repeats, net, work, blobDType, sharedDirectory);
        }
        finally
        {
            foreach (var silo in Enumerable.Reverse(silos)) await silo.DisposeAsync();
        }
    }

    private static async Task<int> MeasureAsync(List<LoopbackSilo> silos, int repeats, LlamaForCausalLM net, string work, ScalarType blobDType, string? sharedDirectory)
    {
        using var channel = GrpcChannel.ForAddress(silos[0].GrpcAddress);
        // Warm-up: every batcher activates (loads the model) before the clock starts.
        int batchers = (await WaitServedAsync(channel, 0, silos.Count)).Batchers.Count;
        var syncs = silos.Select(s => s.App.Services.GetRequiredService<SiloWeightSync>()).ToList();

        var storeLabel = sharedDirectory is null ? "upload+verify+store" : "take+verify+store";
        var samples = new List<Sample>();
        long blobBytes = 0;
        for (int version = 1; version <= repeats; version++)
        {
            var blob = WriteVariant(net, work, version, blobDType);
            blobBytes = new FileInfo(blob).Length;
            // The trainer publishes with the digest its checkpoint save computed while writing; the bench hashes
            // before the clock starts to stand in for that, and reports what a separate hash pass would cost.
            var hashClock = Stopwatch.StartNew();
            var sha256 = await WeightFileDigest.Sha256HexAsync(blob);
            double hashMs = hashClock.Elapsed.TotalMilliseconds;

            // Client and silos share this process: its CPU time and gen-2 collections over the publish say whether
            // the upload is CPU-bound (CPU ≈ cores × wall) and whether it churns the large-object heap.
            var cpuBefore = Environment.CpuUsage.TotalTime;
            int gen2Before = GC.CollectionCount(2);
            var clock = Stopwatch.StartNew();
            var reply = sharedDirectory is null
                ? await WeightPublisher.PublishAsync(channel.CreateCallInvoker(), Token, version, blob, knownSha256: sha256)
                : await WeightPublisher.PublishSharedAsync(channel.CreateCallInvoker(), Token, version, blob, sharedDirectory, knownSha256: sha256);
            double publishMs = clock.Elapsed.TotalMilliseconds;
            double cpuMs = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds;
            int gen2 = GC.CollectionCount(2) - gen2Before;
            await WaitServedAsync(channel, version, batchers);
            double totalMs = clock.Elapsed.TotalMilliseconds;
            // The engine serves the new version a moment before each silo's sync records its timing; report the slowest silo.
            while (syncs.Any(sync => sync.LastSync?.Version != version)) await Task.Delay(5);
            var timings = syncs.Select(sync => sync.LastSync!).ToList();
            var sample = new Sample(totalMs, publishMs, reply.StoreMs, timings.Max(t => t.Fetch.TotalMilliseconds), timings.Max(t => t.Load.TotalMilliseconds), hashMs, cpuMs, gen2);
            samples.Add(sample);
            Console.WriteLine($"v{version}: publish → {batchers} batcher(s) on {silos.Count} silo(s) serving {totalMs:F0} ms (publish call {publishMs:F0} ms, of it silo " +
                              $"{storeLabel} {sample.StoreMs:F0} ms, process CPU {cpuMs:F0} ms, gen-2 GCs {gen2}; fetch {sample.FetchMs:F0} ms, load {sample.LoadMs:F0} ms; a separate client hash pass, not needed with the saved digest: {hashMs:F0} ms)");
            File.Delete(blob);
        }
        double Median(Func<Sample, double> f) => Statistics.Median(samples.Select(f));
        Console.WriteLine($"median of {repeats}: publish → serving {Median(s => s.TotalMs):F0} ms; publish call {Median(s => s.PublishCallMs):F0} ms " +
                          $"({storeLabel} {Median(s => s.StoreMs):F0} ms, process CPU {Median(s => s.CpuMs):F0} ms, gen-2 GCs {Median(s => s.Gen2Collections):F0}); fetch {Median(s => s.FetchMs):F0} ms; load {Median(s => s.LoadMs):F0} ms; " +
                          $"separate client hash (not in the total) {Median(s => s.HashMs):F0} ms; {blobBytes / 1e6:F0} MB");
        return 0;
    }

    /// <summary>The model with its LM head scaled by a version-specific factor, written as a safetensors blob.</summary>
    private static string WriteVariant(LlamaForCausalLM net, string work, int version, ScalarType dtype)
    {
        var path = Path.Combine(work, $"v{version}.safetensors");
        using (no_grad())
        {
            foreach (var (name, p) in net.named_parameters())
            {
                if (name == "lm_head.weight") p.mul_(1.0 + 0.01 * version);
            }
        }
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        SafeTensors.Write(file, [.. net.named_parameters().Select(p => (p.name, (Tensor)p.parameter))], dtype: dtype);
        return path;
    }

    private static async Task<ServingReply> WaitServedAsync(GrpcChannel channel, long version, int batchers)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        return await WeightPublisher.WaitUntilServedAsync(channel.CreateCallInvoker(), version, batchers, TimeSpan.FromMilliseconds(10), limit.Token);
    }
}
