using AprOrleans.Model;
using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

/// <summary>
/// Rows of very different lengths attend in separate key groups (a child thread is not padded to its parent's
/// length); the logits must not change.
/// </summary>
public class KeyGroupTests
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void Rows_split_where_a_key_length_falls_below_two_thirds_of_the_groups_longest()
    {
        var groups = KeyGroups.Split([300, 290, 150, 100, 40, 10], newTokens: 1);
        Assert.Equal([new KeyGroup(0, 2, 301), new KeyGroup(2, 2, 151), new KeyGroup(4, 2, 41)], groups);
    }

    [Fact]
    public void Short_rows_share_one_group_and_an_out_of_order_row_starts_a_new_one()
    {
        Assert.Equal([new KeyGroup(0, 3, 64)], KeyGroups.Split([60, 30, 0], newTokens: 4));
        Assert.Equal([new KeyGroup(0, 1, 11), new KeyGroup(1, 1, 21)], KeyGroups.Split([10, 20], newTokens: 1));
    }

    public static TheoryData<string> Caches => new() { "slab", "paged", "regions" };

    [Theory]
    [MemberData(nameof(Caches))]
    public void Rows_of_very_different_lengths_in_any_order_decode_exactly_like_full_forwards(string kind)
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 9);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int[] prompts = [8, 100, 40];     // slots 0, 1, 2: a short child, a long parent, one in between
        const int steps = 6;
        var sequences = prompts.Select((n, i) => ModelTestUtil.RandomTokens(1, n + steps, config.VocabSize, seed: 20 + i)).ToArray();
        var full = sequences.Select(s => net.forward(s)).ToArray();
        IKvCache cache = kind switch
        {
            "slab" => new KvCache(config, slots: 3, capacity: 128, CPU, ScalarType.Float32),
            // The child and the parent share a tier (one group, masked); the middle row has a short tier of its own.
            "regions" => new KvCache(config, [new SlotTier(2, 128), new SlotTier(1, 64)], CPU, ScalarType.Float32),
            _ => new PagedKvCache(config, slots: 3, totalTokens: 384, maxTokensPerSlot: 128, CPU, ScalarType.Float32, pageSize: 16),
        };
        using var owned = (IDisposable)cache;
        for (int slot = 0; slot < 3; slot++) net.Forward(sequences[slot].narrow(1, 0, prompts[slot]), cache, [slot]);
        // The rows are passed short, long, middle; the forward orders them and must hand the logits back in this order.
        Assert.True(KeyGroups.Split([.. prompts.OrderDescending()], newTokens: 1).Count >= 2, "the batch must span several key groups");
        int[] slots = [0, 1, 2];
        for (int t = 0; t < steps; t++)
        {
            var step = cat(slots.Select(s => sequences[s].narrow(1, prompts[s] + t, 1)).ToList(), 0);
            var logits = net.Forward(step, cache, slots);
            foreach (int s in slots)
            {
                double diff = ModelTestUtil.MaxAbsDiff(logits[s], full[s][0].narrow(0, prompts[s] + t, 1));
                Assert.True(diff <= Tolerance, $"{kind} slot {s} at position {prompts[s] + t}: max |Δ| = {diff}");
            }
        }
    }
}
