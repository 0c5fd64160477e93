using System.CommandLine;
using System.Diagnostics;
using AprOrleans.CommandLine;
using AprOrleans.Model;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Bench;

/// <summary>
/// Engine decode throughput: B concurrent requests, each a P-token prompt decoding N tokens (random weights,
/// end-of-sequence disabled so every request runs its full length), for each batch size; decode tokens/s (prompt
/// prefill subtracted) and the ratio to batch 1 (one-at-a-time decoding) measured in the same run.
/// Usage: decode [--preset tiny] [--batches 1,8,64] [--prompt 64] [--new 64] [--device cpu] [--threads T] [--rounds 5]
/// [--paged-attention on|off] (off: CPU decode steps gather their KV pages for scaled_dot_product_attention)
/// [--attention-threads N] (threads of the in-place decode attention; default every core)
/// [--kv-layout paged|regions] (regions: one contiguous KV region per sequence, attention reads views; default paged)
/// [--min-seconds 1] (each round of a batch size repeats its runs until they last this long)
/// </summary>
public static class DecodeThroughputBench
{
    public static Command Command()
    {
        var preset = ValueOptions.Text("--preset", "model preset (random weights)", "tiny");
        var batches = ValueOptions.Text("--batches", "batch sizes, comma-separated", "1,8,64");
        var prompt = ValueOptions.Int("--prompt", "prompt tokens per request", 64);
        var newTokens = ValueOptions.Int("--new", "tokens each request decodes", 64);
        var device = ValueOptions.Text("--device", "cpu or cuda:N", "cpu");
        var threads = ValueOptions.Int("--threads", "libtorch CPU threads (0 = its default)", 0);
        var attentionThreads = ValueOptions.Int("--attention-threads", "threads of the in-place decode attention", Environment.ProcessorCount);
        var rounds = ValueOptions.Int("--rounds", "rounds over every batch size", 5);
        var minSeconds = ValueOptions.Double("--min-seconds", "each round of a batch size repeats its runs until they last this long", 1);
        var pagedAttention = ValueOptions.Choice("--paged-attention", "off: CPU decode steps gather their KV pages for scaled_dot_product_attention", "on", "on", "off");
        var kvLayout = ValueOptions.Choice("--kv-layout", "regions: one contiguous KV region per sequence, attention reads views", "paged", "paged", "regions");
        var command = new Command("decode", "engine decode tokens/s at several batch sizes, and the ratio to batch 1")
            { preset, batches, prompt, newTokens, device, threads, attentionThreads, rounds, minSeconds, pagedAttention, kvLayout };
        command.SetAction(parse =>
        {
            if (parse.GetValue(threads) is > 0 and var torchThreads) TorchSharp.torch.set_num_threads(torchThreads);
            return Run(parse.GetValue(preset)!, BatchSizes(parse.GetValue(batches)!), parse.GetValue(prompt), parse.GetValue(newTokens),
                Math.Max(1, parse.GetValue(rounds)), parse.GetValue(minSeconds), parse.GetValue(pagedAttention) == "on",
                parse.GetValue(attentionThreads), parse.GetValue(kvLayout) == "regions" ? KvLayout.Regions : KvLayout.Paged, DeviceSelection.Parse(parse.GetValue(device)!));
        });
        return command;
    }

    private static int[] BatchSizes(string list) =>
        [.. list.Split(',').Select(size => int.TryParse(size, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new UsageException($"--batches '{list}': expected positive integers separated by commas"))];

    private static int Run(string preset, int[] batches, int promptTokens, int newTokens, int rounds, double minSeconds, bool pagedAttention,
        int attentionThreads, KvLayout layout, TorchSharp.torch.Device device)
    {
        var config = ModelConfig.FromPreset(preset, vocabSize: 125);
        if (promptTokens < 1 || newTokens < 1 || promptTokens + newTokens + 1 > config.MaxPositionEmbeddings)
            throw new UsageException($"--prompt {promptTokens} + --new {newTokens} + 1 must fit the {preset} preset's " +
                                     $"{config.MaxPositionEmbeddings} positions (and both be at least 1)");
        var net = LlamaForCausalLM.Create(config, seed: 1, device, DeviceSelection.InferenceDType(device));
        int contextTokens = promptTokens + newTokens + 1;
        const int pageSize = 16;
        // The KV pool holds every sequence at full length, in whole pages: this measures batching, not preemption
        // under memory pressure. No prefix reuse: the prefill-only run and the full run send the same prompts, and a
        // reused prompt would make the full run skip the prefill the bench subtracts.
        var options = new EngineOptions
        {
            Slots = batches.Max(), ContextTokens = contextTokens, PageSize = pageSize,
            KvTokens = batches.Max() * ((contextTokens + pageSize - 1) / pageSize * pageSize),
            MaxPrefillTokens = Math.Max(8192, batches.Max() * (promptTokens + 1)), MinPrefixReuse = int.MaxValue,
            PagedDecodeAttention = pagedAttention,
            AttentionThreads = attentionThreads,
            // Every sequence runs to the full context, so every region holds one (a static cache).
            KvLayout = layout,
        };
        using var engine = new DecodeEngine(net, eosId: -1, options);
        Console.WriteLine($"preset {preset} ({config.ParameterCount / 1e6:F1}M params), device {device}, torch threads {TorchSharp.torch.get_num_threads()}, " +
                          $"KV {DescribeAttention(layout, pagedAttention, attentionThreads, device)}, prompt {promptTokens}, new {newTokens}");

        // Warm-up at every batch size: first calls pay for lazy initialization and unoptimized (tier-0) code, and a
        // batch's code paths (the attention's threads, row grouping) differ from a single row's.
        foreach (int batch in batches) Measure(engine, batch, promptTokens, Math.Min(newTokens, 16));
        // Rounds go over every batch size in turn, so a change in the machine's load touches all of them alike;
        // each batch size reports the median of its rounds.
        var rates = batches.ToDictionary(b => b, _ => new List<double>());
        for (int round = 1; round <= rounds; round++)
        {
            foreach (int batch in batches)
            {
                // Decode-only time: a run that stops after its first token (prefill + 1 step) is subtracted, so the
                // batched prompt prefill does not count as decode time. Runs repeat until they add up to
                // --min-seconds: one batch-1 run of 64 tokens lasts ~70 ms, too short for a stable rate.
                double seconds = 0, prefillSeconds = 0;
                long tokens = 0;
                int runs = 0;
                for (; runs == 0 || seconds < minSeconds; runs++)
                {
                    prefillSeconds += Measure(engine, batch, promptTokens, 1).Seconds;
                    var (full, generated) = Measure(engine, batch, promptTokens, newTokens);
                    seconds += full;
                    tokens += generated;
                }
                // Each run's first token came with its prefill, which is subtracted.
                double rate = (tokens - (long)runs * batch) / Math.Max(1e-9, seconds - prefillSeconds);
                rates[batch].Add(rate);
                Console.WriteLine($"round {round}, batch {batch,4}: {runs,3} runs, {tokens,7} tokens in {seconds,7:F2} s (prefill+1st token {prefillSeconds:F2} s); " +
                                  $"decode {rate,9:F0} tok/s; end-to-end {tokens / seconds:F0} tok/s");
            }
        }
        double single = Statistics.Median(rates[batches[0]]);
        foreach (int batch in batches)
            Console.WriteLine($"batch {batch,4}: decode {Statistics.Median(rates[batch]),9:F0} tok/s (median of {rounds})  {Statistics.Median(rates[batch]) / single:F1}x batch {batches[0]}");
        if (engine.Stats.ReusedPrefixTokens > 0)
            Console.WriteLine($"warning: {engine.Stats.ReusedPrefixTokens} prompt tokens came from reused prefixes; the prefill subtraction is off");
        if (engine.Stats.Preemptions > 0)
        {
            Console.WriteLine($"warning: {engine.Stats.Preemptions} preemptions (the KV pool was too small); the numbers include re-prefills");
        }
        return 0;
    }

    private static string DescribeAttention(KvLayout layout, bool pagedAttention, int threads, TorchSharp.torch.Device device) =>
        layout == KvLayout.Regions ? "regions, decode attention over views (SDPA)"
        : pagedAttention && device.type == TorchSharp.DeviceType.CPU ? $"paged, decode attention in place on {threads} threads"
        : "paged, decode attention over gathered pages (SDPA)";

    private static (double Seconds, long Tokens) Measure(DecodeEngine engine, int batch, int promptTokens, int newTokens)
    {
        var random = new Random(batch);
        var requests = Enumerable.Range(0, batch).Select(_ =>
        {
            var context = new List<int> { 1 };
            for (int i = 1; i < promptTokens; i++) context.Add(random.Next(3, 125));
            return new DecodeRequest(context, newTokens, new HashSet<int>(), SamplingSettings.Greedy);
        }).ToList();
        var clock = Stopwatch.StartNew();
        var results = Task.WhenAll(requests.Select(r => engine.DecodeAsync(r))).GetAwaiter().GetResult();
        double seconds = clock.Elapsed.TotalSeconds;
        // Every request must run its full length, or the rates would mix in work that never happened.
        if (results.FirstOrDefault(r => r.Tokens.Count != newTokens) is { } cut)
            throw new InvalidOperationException($"a request stopped after {cut.Tokens.Count} of {newTokens} tokens ({cut.Stop}); the rates would be wrong");
        return (seconds, results.Sum(r => (long)r.Tokens.Count));
    }
}
