using AprOrleans.Model.Checkpoints;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Tests.Engine;

/// <summary>
/// An engine whose model runs q/k/v and gate/up as one product each (<see cref="EngineOptions.FuseProjections"/>, the
/// CUDA default), on the CPU: it decodes like the separate projections, and a weight swap reaches the fused weights.
/// </summary>
public class FusedEngineTests
{
    private static readonly HashSet<int> NoStops = [];

    private static DecodeRequest Greedy(List<int> context, int maxNew = 20) => new(context, maxNew, NoStops, SamplingSettings.Greedy);

    private static DecodeEngine Fused(int slots) =>
        new(EngineFixture.Network(), EngineFixture.Eos, EngineFixture.Options(slots) with { FuseProjections = true });

    [Fact]
    public async Task Batched_on_fused_projections_decodes_like_one_at_a_time_on_separate_ones()
    {
        var prompts = Enumerable.Range(0, 6).Select(i => EngineFixture.Prompt(400 + i, 6 + 9 * i)).ToList();
        List<IReadOnlyList<int>> alone = [];
        using (var single = new DecodeEngine(EngineFixture.Network(), EngineFixture.Eos, EngineFixture.Options(1) with { FuseProjections = false }))
        {
            foreach (var p in prompts) alone.Add((await single.DecodeAsync(Greedy(p))).Tokens);
        }
        using var fused = Fused(slots: 8);
        var together = await Task.WhenAll(prompts.Select(p => fused.DecodeAsync(Greedy(p))));
        for (int i = 0; i < prompts.Count; i++) Assert.Equal(alone[i], together[i].Tokens);
    }

    [Fact]
    public async Task A_weight_swap_after_fusing_serves_the_new_weights()
    {
        var other = EngineFixture.Network(seed: 77);
        var path = Path.Combine(Path.GetTempPath(), $"fused-engine-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelCheckpoint.WriteWeights(path, [.. other.named_parameters().Select(p => (p.name, (TorchSharp.torch.Tensor)p.parameter))]);
            var prompt = EngineFixture.Prompt(9, 25);
            using var engine = Fused(slots: 2);
            var before = await engine.DecodeAsync(Greedy(prompt));
            await engine.SwapWeightsAsync(1, path);
            var after = await engine.DecodeAsync(Greedy(prompt));

            using var reference = EngineFixture.Engine(other);
            Assert.Equal((await reference.DecodeAsync(Greedy(prompt))).Tokens, after.Tokens);
            Assert.NotEqual(before.Tokens, after.Tokens);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".sha256");
        }
    }
}
