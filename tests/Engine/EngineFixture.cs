using AprOrleans.Model;
using AprOrleans.Model.Engine;
using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Engine;

/// <summary>Seeded micro networks for engine tests, with sharpened logits so greedy choices are never near-ties.</summary>
internal static class EngineFixture
{
    public const int Vocab = 60, Eos = 2;

    public static LlamaForCausalLM Network(long seed = 11)
    {
        var config = new ModelConfig("micro", Vocab, HiddenSize: 64, NumLayers: 2, NumHeads: 4, IntermediateSize: 96, MaxPositionEmbeddings: 256);
        var net = LlamaForCausalLM.Create(config, seed);
        using (no_grad())
        {
            // Random weights give nearly uniform logits; a larger head makes argmax robust to float reordering.
            foreach (var (name, p) in net.named_parameters())
            {
                if (name == "lm_head.weight") p.mul_(40);
            }
        }
        return net;
    }

    public static DecodeEngine Engine(LlamaForCausalLM net, int slots = 8, int? kvTokens = null) =>
        new(net, Eos, Options(slots, kvTokens));

    /// <summary>An engine whose KV cache is contiguous regions in <paramref name="tiers"/> (null: one full context per slot).</summary>
    public static DecodeEngine RegionEngine(LlamaForCausalLM net, int slots, IReadOnlyList<SlotTier>? tiers = null) =>
        new(net, Eos, Options(slots, null) with { KvLayout = KvLayout.Regions, RegionTiers = tiers });

    public static EngineOptions Options(int slots, int? kvTokens = null) =>
        new() { Slots = slots, ContextTokens = 256, MaxPrefillTokens = 1024, MinPrefixReuse = 4, KvTokens = kvTokens };

    public static List<int> Prompt(int seed, int length)
    {
        var random = new Random(seed);
        var tokens = new List<int> { 1 };
        for (int i = 1; i < length; i++) tokens.Add(random.Next(3, Vocab));
        return tokens;
    }
}
