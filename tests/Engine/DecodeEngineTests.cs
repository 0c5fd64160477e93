using AprOrleans.Model.Checkpoints;
using AprOrleans.Reasoning.Runtime;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Engine;

public class DecodeEngineTests
{
    private static readonly HashSet<int> NoStops = [];

    private static DecodeRequest Greedy(List<int> context, int maxNew = 24) =>
        new(context, maxNew, NoStops, SamplingSettings.Greedy);

    [Fact]
    public async Task Batched_greedy_output_equals_one_at_a_time_output()
    {
        var prompts = Enumerable.Range(0, 10).Select(i => EngineFixture.Prompt(i, 5 + 7 * i)).ToList();

        List<IReadOnlyList<int>> alone = [];
        using (var single = EngineFixture.Engine(EngineFixture.Network(), slots: 1))
        {
            foreach (var p in prompts) alone.Add((await single.DecodeAsync(Greedy(p))).Tokens);
        }

        using var batched = EngineFixture.Engine(EngineFixture.Network(), slots: 8);
        // Half now, half a moment later: sequences join a running batch between steps.
        var first = prompts.Take(5).Select(p => batched.DecodeAsync(Greedy(p))).ToList();
        await Task.Delay(5);
        var late = prompts.Skip(5).Select(p => batched.DecodeAsync(Greedy(p))).ToList();
        var together = await Task.WhenAll(first.Concat(late));

        for (int i = 0; i < prompts.Count; i++) Assert.Equal(alone[i], together[i].Tokens);
        Assert.True(batched.Stats.DecodeSteps < alone.Sum(t => t.Count), "batching should share decode steps");
    }

    [Fact]
    public async Task A_full_kv_cache_preempts_and_later_resumes_without_changing_outputs()
    {
        var prompts = Enumerable.Range(0, 6).Select(i => EngineFixture.Prompt(50 + i, 40)).ToList();
        List<IReadOnlyList<int>> alone = [];
        using (var single = EngineFixture.Engine(EngineFixture.Network(), slots: 1))
        {
            foreach (var p in prompts) alone.Add((await single.DecodeAsync(Greedy(p, 40))).Tokens);
        }
        // 256 tokens of KV for six sequences of up to 80: at most three fit at once.
        using var tight = EngineFixture.Engine(EngineFixture.Network(), slots: 6, kvTokens: 256);
        var results = await Task.WhenAll(prompts.Select(p => tight.DecodeAsync(Greedy(p, 40))));
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(alone[i], results[i].Tokens);
        Assert.True(tight.Stats.Preemptions > 0, "the cache must have overflowed and preempted");
    }

    [Fact]
    public async Task Recorded_log_probs_equal_a_full_forward_recomputation()
    {
        var net = EngineFixture.Network();
        var prompts = Enumerable.Range(0, 4).Select(i => EngineFixture.Prompt(100 + i, 9 + 3 * i)).ToList();
        DecodeResult[] results;
        using (var engine = EngineFixture.Engine(net))
        {
            results = await Task.WhenAll(prompts.Select(p => engine.DecodeAsync(new DecodeRequest(p, 16, NoStops, new SamplingSettings(Temperature: 1.0f)))));
        }
        for (int i = 0; i < prompts.Count; i++)
        {
            var all = prompts[i].Concat(results[i].Tokens).Select(t => (long)t).ToArray();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var logProbs = net.forward(tensor(all, [1, all.Length])).log_softmax(-1)[0];
            for (int t = 0; t < results[i].Tokens.Count; t++)
            {
                int position = prompts[i].Count + t - 1;
                float expected = logProbs[position, results[i].Tokens[t]].item<float>();
                Assert.InRange(results[i].LogProbs[t], expected - 1e-4f, expected + 1e-4f);
            }
        }
    }

    [Fact]
    public async Task A_resumed_sequence_reuses_its_prefix_and_decodes_as_if_fresh()
    {
        var prompt = EngineFixture.Prompt(7, 30);
        List<int> resumed;
        IReadOnlyList<int> withReuse;
        long reused;
        using (var engine = EngineFixture.Engine(EngineFixture.Network()))
        {
            var first = await engine.DecodeAsync(Greedy(prompt, 12));
            // Like a parent after a join: its own tokens up to a point, then new text appended.
            resumed = [.. prompt, .. first.Tokens.Take(6), 40, 41, 42];
            withReuse = (await engine.DecodeAsync(Greedy(resumed, 12))).Tokens;
            reused = engine.Stats.ReusedPrefixTokens;
        }
        Assert.Equal(prompt.Count + 6, reused);
        using var fresh = EngineFixture.Engine(EngineFixture.Network());
        Assert.Equal((await fresh.DecodeAsync(Greedy(resumed, 12))).Tokens, withReuse);
    }

    [Fact]
    public async Task After_a_weight_switch_tokens_carry_the_new_version_and_no_old_prefix_is_reused()
    {
        var other = EngineFixture.Network(seed: 99);
        var path = Path.Combine(Path.GetTempPath(), $"engine-weights-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var file = File.Create(path))
                SafeTensors.Write(file, [.. other.named_parameters().Select(p => (p.name, (Tensor)p.parameter))]);
            var prompt = EngineFixture.Prompt(3, 20);
            using var engine = EngineFixture.Engine(EngineFixture.Network());
            var before = await engine.DecodeAsync(Greedy(prompt));
            Assert.All(before.WeightVersions, v => Assert.Equal(0L, v));

            await engine.UpdateWeightsAsync(2, net => ModelCheckpoint.LoadWeights(path, net));
            var after = await engine.DecodeAsync(Greedy(prompt));

            Assert.All(after.WeightVersions, v => Assert.Equal(2L, v));
            Assert.Equal(0, engine.Stats.ReusedPrefixTokens);
            using var reference = EngineFixture.Engine(other);
            Assert.Equal((await reference.DecodeAsync(Greedy(prompt))).Tokens, after.Tokens);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task Stop_tokens_and_limits_end_a_request()
    {
        using var engine = EngineFixture.Engine(EngineFixture.Network());
        var prompt = EngineFixture.Prompt(5, 10);
        var free = await engine.DecodeAsync(Greedy(prompt, 30));
        var stopAt = free.Tokens[3];
        var stopped = await engine.DecodeAsync(new DecodeRequest(prompt, 30, new HashSet<int> { stopAt }, SamplingSettings.Greedy));
        Assert.Equal(DecodeStop.StopToken, stopped.Stop);
        Assert.Equal(stopAt, stopped.Tokens[^1]);
        Assert.True(stopped.Tokens.Count <= 4);

        var limited = await engine.DecodeAsync(Greedy(prompt, 5));
        Assert.True(limited.Stop == DecodeStop.TokenLimit && limited.Tokens.Count == 5 || limited.Stop == DecodeStop.EndOfSequence);
    }

    [Fact]
    public async Task A_context_that_fills_the_window_ends_at_the_token_limit_without_decoding()
    {
        using var engine = EngineFixture.Engine(EngineFixture.Network());
        var result = await engine.DecodeAsync(Greedy(EngineFixture.Prompt(1, 300)));
        Assert.Equal(DecodeStop.TokenLimit, result.Stop);
        Assert.Empty(result.Tokens);
        Assert.Equal(0, engine.Stats.DecodeSteps);
    }
}
