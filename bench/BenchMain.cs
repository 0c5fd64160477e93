namespace AprOrleans.Bench;

/// <summary>Dispatches `dotnet run --project bench -c Release -- VERB [options]` to one benchmark.</summary>
public static class BenchMain
{
    private static readonly Dictionary<string, (string Help, Func<string[], int> Run)> Verbs = new()
    {
        ["demos"] = ("APR/SoS+ demonstrations per second (all cores)", DemoThroughputBench.Run),
        ["sft"] = ("SFT training tokens/s for a preset", SftBenchmark.Run),
        ["service-load"] = ("concurrent Solve calls over gRPC vs the engine directly: errors, solves/s, p50/p99, overhead", ServiceLoadBench.Run),
        ["kv-step"] = ("ms per decode step with the slot-slab vs the paged KV cache", KvStepBench.Run),
        ["decode"] = ("engine decode tokens/s at several batch sizes, and the ratio to batch 1", DecodeThroughputBench.Run),
        ["eval"] = ("apr eval's JSON summary (apr, serial or sc) for a checkpoint on a device, without plots", EvalOnDevice.Run),
        ["logits"] = ("one sequence's logits as JSON, for scripts/hf_compare.py (transformers' LlamaForCausalLM)", LogitsDump.Run),
        ["grpo-step"] = ("one GRPO step on real rollouts, micro-batches packed by trajectory vs by length", GrpoStepBench.Run),
        ["weight-sync"] = ("Weights.Publish → every batching grain serving the new version, with its phases", WeightSyncBench.Run),
        ["weight-delta"] = ("how far deflating the XOR of two bf16 weight versions would shrink a publish", WeightDeltaBench.Run),
    };

    public static int Run(string[] args)
    {
        if (args.Length == 0 || !Verbs.TryGetValue(args[0], out var verb))
        {
            Console.Error.WriteLine("usage: bench <verb> [options]");
            foreach (var (name, (help, _)) in Verbs) Console.Error.WriteLine($"  {name,-8} {help}");
            return 2;
        }
        return verb.Run(args[1..]);
    }
}
