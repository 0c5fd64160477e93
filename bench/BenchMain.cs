namespace AprOrleans.Bench;

/// <summary>Dispatches `dotnet run --project bench -c Release -- VERB [options]` to one benchmark.</summary>
public static class BenchMain
{
    private static readonly Dictionary<string, (string Help, Func<string[], int> Run, BenchOptions Options)> Verbs = new()
    {
        ["demos"] = ("APR/SoS+ demonstrations per second (all cores)", DemoThroughputBench.Run,
            BenchOptions.Of("--count", "--numbers", "--solver", "--threads")),
        ["sft"] = ("SFT training tokens/s for a preset", SftBenchmark.Run,
            BenchOptions.Of("--preset", "--steps", "--warmup", "--batch-tokens", "--device", "--precision", "--numbers", "--threads").WithFlags("--phases")),
        ["service-load"] = ("concurrent Solve calls over gRPC vs the engine directly: errors, solves/s, p50/p99, overhead", ServiceLoadBench.Run,
            BenchOptions.Of("--checkpoint", "--concurrency", "--seconds", "--thread-tokens", "--threads", "--attention-threads", "--repeats", "--start-with", "--warmup-seconds")),
        ["overload"] = ("far more clients than a silo admits, a share asking the largest budget: statuses, admitted p99, peak memory", OverloadBench.Run,
            BenchOptions.Of("--checkpoint", "--concurrency", "--seconds", "--max-budget-share", "--thread-tokens")),
        ["kv-step"] = ("ms per decode step with the slot-slab vs the paged KV cache", KvStepBench.Run,
            BenchOptions.Of("--preset", "--batch", "--prompt", "--steps", "--warmup", "--threads", "--fuse")),
        ["decode"] = ("engine decode tokens/s at several batch sizes, and the ratio to batch 1", DecodeThroughputBench.Run,
            BenchOptions.Of("--preset", "--batches", "--prompt", "--new", "--device", "--threads", "--attention-threads", "--rounds", "--min-seconds", "--paged-attention", "--kv-layout")),
        ["eval"] = ("apr eval's JSON summary (apr, serial or sc) for a checkpoint on a device, without plots", EvalOnDevice.Run,
            BenchOptions.Of("--checkpoint", "--problems", "--mode", "--n", "--device", "--concurrency", "--temperature")),
        ["logits"] = ("one sequence's logits as JSON, for scripts/hf_compare.py (transformers' LlamaForCausalLM)", LogitsDump.Run,
            BenchOptions.Of("--checkpoint", "--out", "--text", "--device")),
        ["grpo-step"] = ("one GRPO step on real rollouts, micro-batches packed by trajectory vs by length", GrpoStepBench.Run,
            BenchOptions.Of("--checkpoint", "--problems", "--count", "--group", "--groups", "--save-groups", "--micro-batch-tokens", "--packing", "--repeats", "--device", "--threads")),
        ["weight-sync"] = ("Weights.Publish → every batching grain serving the new version, with its phases", WeightSyncBench.Run,
            BenchOptions.Of("--preset", "--repeats", "--postgres", "--silos", "--blob-dtype").WithFlags("--shared")),
        ["weight-delta"] = ("how far deflating the XOR of two bf16 weight versions would shrink a publish", WeightDeltaBench.Run,
            BenchOptions.Of("--weights", "--lr", "--seed")),
    };

    public static int Run(string[] args)
    {
        if (args.Length == 0 || !Verbs.TryGetValue(args[0], out var verb))
        {
            Console.Error.WriteLine("usage: bench <verb> [options]");
            foreach (var (name, (help, _, _)) in Verbs) Console.Error.WriteLine($"  {name,-8} {help}");
            return 2;
        }
        if (verb.Options.Check(args[1..]) is { } problem)
        {
            Console.Error.WriteLine($"bench {args[0]}: {problem}");
            return 2;
        }
        try
        {
            return verb.Run(args[1..]);
        }
        catch (BenchUsageException e)
        {
            Console.Error.WriteLine($"bench {args[0]}: {e.Message}");
            return 2;
        }
    }
}
