using AprOrleans.Model.Engine;
using AprOrleans.Model.Inference;
using AprOrleans.Reasoning.Runtime;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Engine;

/// <summary>
/// The engine on contiguous KV regions (<see cref="KvLayout.Regions"/>, the copy-free decode attention meant for GPUs),
/// run on the CPU: long parents and short children in tiers of their own decode exactly as one at a time on pages.
/// </summary>
public class RegionLayoutEngineTests
{
    private static readonly HashSet<int> NoStops = [];

    /// <summary>Two slots of a full context for parents, six of 48 tokens for children.</summary>
    private static readonly SlotTier[] ParentsAndChildren = [new(2, 256), new(6, 48)];

    private static DecodeRequest Greedy(List<int> context, int maxNew) => new(context, maxNew, NoStops, SamplingSettings.Greedy);

    /// <summary>Three parents (60-token prompts, 40 new) and seven children (8–20-token prompts, 16 new).</summary>
    private static List<DecodeRequest> ParentsAndChildrenRequests() =>
    [
        .. Enumerable.Range(0, 3).Select(i => Greedy(EngineFixture.Prompt(200 + i, 60), 40)),
        .. Enumerable.Range(0, 7).Select(i => Greedy(EngineFixture.Prompt(300 + i, 8 + 2 * i), 16)),
    ];

    [Fact]
    public async Task Parents_and_children_batched_on_regions_decode_like_one_at_a_time_on_pages()
    {
        var requests = ParentsAndChildrenRequests();
        List<IReadOnlyList<int>> alone = [];
        using (var single = EngineFixture.Engine(EngineFixture.Network(), slots: 1))
        {
            foreach (var r in requests) alone.Add((await single.DecodeAsync(r)).Tokens);
        }

        using var batched = EngineFixture.RegionEngine(EngineFixture.Network(), slots: 8, ParentsAndChildren);
        // Children first, then parents a moment later: sequences join a running batch between steps, and the third parent
        // waits for a full-context region while the short ones serve children.
        var children = requests.Skip(3).Select(r => batched.DecodeAsync(r)).ToList();
        await Task.Delay(5);
        var parents = requests.Take(3).Select(r => batched.DecodeAsync(r)).ToList();
        var together = await Task.WhenAll(parents.Concat(children));

        for (int i = 0; i < requests.Count; i++) Assert.Equal(alone[i], together[i].Tokens);
        Assert.True(batched.Stats.DecodeSteps < alone.Sum(t => t.Count), "batching should share decode steps");
    }

    [Fact]
    public async Task Recorded_log_probs_on_regions_equal_a_full_forward_recomputation()
    {
        var net = EngineFixture.Network();
        var requests = ParentsAndChildrenRequests().Select(r => r with { Sampling = new SamplingSettings(Temperature: 1.0f) }).ToList();
        DecodeResult[] results;
        using (var engine = EngineFixture.RegionEngine(net, slots: 8, ParentsAndChildren))
        {
            results = await Task.WhenAll(requests.Select(r => engine.DecodeAsync(r)));
        }
        for (int i = 0; i < requests.Count; i++)
        {
            var context = requests[i].Context;
            var all = context.Concat(results[i].Tokens).Select(t => (long)t).ToArray();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var logProbs = net.forward(tensor(all, [1, all.Length])).log_softmax(-1)[0];
            for (int t = 0; t < results[i].Tokens.Count; t++)
            {
                float expected = logProbs[context.Count + t - 1, results[i].Tokens[t]].item<float>();
                Assert.InRange(results[i].LogProbs[t], expected - 1e-4f, expected + 1e-4f);
            }
        }
    }

    [Fact]
    public async Task A_resumed_parent_reuses_its_prefix_only_from_a_region_that_holds_it()
    {
        var prompt = EngineFixture.Prompt(7, 30);
        using var engine = EngineFixture.RegionEngine(EngineFixture.Network(), slots: 3, [new(1, 256), new(2, 48)]);
        // Fits a short region (30 + 12 ≤ 48): parked there when it ends.
        var first = await engine.DecodeAsync(Greedy(prompt, 12));
        List<int> resumed = [.. prompt, .. first.Tokens.Take(6), 40, 41, 42];
        // A budget that fits the short region reuses the prefix parked there.
        var small = await engine.DecodeAsync(Greedy(resumed, 4));
        Assert.Equal(prompt.Count + 6, engine.Stats.ReusedPrefixTokens);
        // A budget that needs the full-context region: no prefix parked in a short region can serve it.
        var big = await engine.DecodeAsync(Greedy(resumed, 100));
        Assert.Equal(prompt.Count + 6, engine.Stats.ReusedPrefixTokens);

        using var fresh = EngineFixture.Engine(EngineFixture.Network());
        Assert.Equal((await fresh.DecodeAsync(Greedy(resumed, 100))).Tokens, big.Tokens);
        Assert.Equal(big.Tokens.Take(4), small.Tokens);
    }

    [Fact]
    public void Region_tiers_must_add_up_to_the_slots_and_hold_a_full_context()
    {
        var options = new EngineOptions { Slots = 4, ContextTokens = 256, KvLayout = KvLayout.Regions };
        Assert.Null(options.Validate());
        Assert.Contains("3 slots", (options with { RegionTiers = [new(1, 256), new(2, 64)] }).Validate());
        Assert.Contains("full context", (options with { RegionTiers = [new(4, 128)] }).Validate());
        Assert.Equal([256, 256, 64, 64], (options with { RegionTiers = [new(2, 999), new(2, 64)] }).SlotCapacities());
    }
}
