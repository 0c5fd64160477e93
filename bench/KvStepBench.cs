using System.CommandLine;
using System.Diagnostics;
using AprOrleans.CommandLine;
using AprOrleans.Model;
using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Bench;

/// <summary>
/// One decode step of B rows through the model with each KV cache (slot slab, contiguous regions read as views; paged with its pages gathered for
/// scaled_dot_product_attention; paged with attention over the pages in place), after a P-token prefill:
/// milliseconds per step, to see what the cache layout costs next to the network.
/// Usage: kv-step [--preset tiny] [--batch 64] [--prompt 64] [--steps 32] [--warmup 8] [--threads 0] [--fuse off|on]
/// </summary>
public static class KvStepBench
{
    public static Command Command()
    {
        var preset = ValueOptions.Text("--preset", "model preset (random weights)", "tiny");
        var batch = ValueOptions.Int("--batch", "rows per decode step", 64);
        var prompt = ValueOptions.Int("--prompt", "prefill tokens per row", 64);
        var steps = ValueOptions.Int("--steps", "timed decode steps", 32);
        var warmup = ValueOptions.Int("--warmup", "untimed decode steps first", 8);
        var threads = ValueOptions.Int("--threads", "libtorch CPU threads (0 = its default)", 0);
        var fuse = ValueOptions.Choice("--fuse", "on: q/k/v and gate/up one matrix product each (the engine's CUDA default)", "off", "on", "off");
        var command = new Command("kv-step", "ms per decode step with the slot-slab vs the paged KV cache") { preset, batch, prompt, steps, warmup, threads, fuse };
        command.SetAction(parse => Run(parse.GetValue(preset)!, parse.GetValue(batch), parse.GetValue(prompt), parse.GetValue(steps),
            Math.Max(0, parse.GetValue(warmup)), parse.GetValue(threads), parse.GetValue(fuse) == "on"));
        return command;
    }

    private static int Run(string preset, int batch, int prompt, int steps, int warmup, int threads, bool fuse)
    {
        if (threads > 0) set_num_threads(threads);
        var config = ModelConfig.FromPreset(preset, 125);
        using var net = LlamaForCausalLM.Create(config, seed: 1);
        // As the decode engine runs on the CPU: separate projections (--fuse on: q/k/v and gate/up one product each).
        if (fuse) net.FuseProjections();
        using var noGrad = no_grad();
        int capacity = prompt + steps + 1;
        var slots = Enumerable.Range(0, batch).ToArray();
        using var slab = new KvCache(config, batch, capacity + warmup, CPU, ScalarType.Float32);
        const int pageSize = 16;
        // Every row's last page may be partly used: size the pool in whole pages per row.
        int poolTokens = batch * ((capacity + warmup + pageSize - 1) / pageSize * pageSize);
        using var paged = new PagedKvCache(config, batch, poolTokens, capacity + warmup, CPU, ScalarType.Float32, pageSize);
        using var pagedGathered = new PagedKvCache(config, batch, poolTokens, capacity + warmup, CPU, ScalarType.Float32, pageSize, pagedDecodeAttention: false);
        foreach (var (name, cache) in new (string, IKvCache)[] { ("slab            ", slab), ("paged, gathered ", pagedGathered), ("paged, in place ", paged) })
        {
            using (var scope = NewDisposeScope())
                net.Forward(randint(3, 125, [batch, prompt], dtype: ScalarType.Int64), cache, slots, lastTokenOnly: true);
            // Untimed steps first: the first calls of each path pay for JIT compilation and lazy initialization.
            var clock = new Stopwatch();
            for (int s = 0; s < warmup + steps; s++)
            {
                if (s == warmup) clock.Start();
                using var scope = NewDisposeScope();
                net.Forward(randint(3, 125, [batch, 1], dtype: ScalarType.Int64), cache, slots, lastTokenOnly: true);
            }
            Console.WriteLine($"{name}: {clock.Elapsed.TotalMilliseconds / steps:F2} ms per decode step (batch {batch}, {preset}, threads {get_num_threads()})");
        }
        return 0;
    }
}
