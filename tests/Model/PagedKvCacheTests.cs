using AprOrleans.Model;
using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

public class PagedKvCacheTests
{
    private const double Tolerance = 1e-4;

    private static Tensor PadTo(Tensor row, int width) =>
        cat([row, zeros([1, width - row.shape[1]], dtype: row.dtype)], 1);

    private static void Check(Tensor actual, Tensor expected, string what)
    {
        double diff = ModelTestUtil.MaxAbsDiff(actual, expected);
        Assert.True(diff <= Tolerance, $"{what}: max |Δ| = {diff}");
    }

    [Fact]
    public void A_late_joiner_and_a_mid_page_fork_decode_exactly_like_full_forwards()
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 5);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var a = ModelTestUtil.RandomTokens(1, 24, config.VocabSize, seed: 11);
        var b = ModelTestUtil.RandomTokens(1, 10, config.VocabSize, seed: 12);
        var c = cat([a.narrow(1, 0, 9), ModelTestUtil.RandomTokens(1, 8, config.VocabSize, seed: 13)], 1);
        var (fullA, fullB, fullC) = (net.forward(a), net.forward(b), net.forward(c));

        // Pages of 4 tokens: the fork at 9 tokens shares two full pages and copies the third.
        using var cache = new PagedKvCache(config, slots: 4, totalTokens: 128, maxTokensPerSlot: 40, CPU, ScalarType.Float32, pageSize: 4);
        net.Forward(a.narrow(1, 0, 12), cache, [0]);
        Assert.Equal(3, cache.UsedPages);
        cache.Fork(source: 0, target: 2, length: 9);
        Assert.Equal(4, cache.UsedPages); // 2 shared + 1 copied partial page + a's 3

        int[] rows = [0, 1, 2];
        var step = cat([PadTo(a.narrow(1, 12, 1), 4), b.narrow(1, 0, 4), PadTo(c.narrow(1, 9, 1), 4)], 0);
        var logits = net.Forward(step, cache, rows, realTokens: [1, 4, 1]);
        Check(logits[0].narrow(0, 0, 1), fullA[0].narrow(0, 12, 1), "a@12");
        Check(logits[1].narrow(0, 0, 4), fullB[0].narrow(0, 0, 4), "b@0..3");
        Check(logits[2].narrow(0, 0, 1), fullC[0].narrow(0, 9, 1), "c@9");

        for (int ia = 13, ib = 4, ic = 10; ib < 10; ia++, ib++, ic++)
        {
            var one = cat([a.narrow(1, ia, 1), b.narrow(1, ib, 1), c.narrow(1, ic, 1)], 0);
            var next = net.Forward(one, cache, rows);
            Check(next[0], fullA[0].narrow(0, ia, 1), $"a@{ia}");
            Check(next[1], fullB[0].narrow(0, ib, 1), $"b@{ib}");
            Check(next[2], fullC[0].narrow(0, ic, 1), $"c@{ic}");
        }
    }

    [Fact]
    public void Memory_in_use_follows_the_tokens_held()
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 2);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var cache = new PagedKvCache(config, slots: 8, totalTokens: 256, maxTokensPerSlot: 100, CPU, ScalarType.Float32, pageSize: 16);
        Assert.Equal(0, cache.UsedPages);

        net.Forward(ModelTestUtil.RandomTokens(1, 20, config.VocabSize, 1), cache, [3]);
        Assert.Equal(2, cache.UsedPages);
        // Right padding claims pages for the padded width, and gives back what the real tokens do not use.
        net.Forward(PadTo(ModelTestUtil.RandomTokens(1, 5, config.VocabSize, 2), 40), cache, [5], realTokens: [5]);
        Assert.Equal(3, cache.UsedPages);
        Assert.Equal(3L * 16 * 2 * config.NumLayers * config.NumKeyValueHeads * config.HeadDim * 4, cache.BytesInUse);

        cache.Release(3);
        cache.Release(5);
        Assert.Equal(0, cache.UsedPages);
    }

    [Fact]
    public void A_forward_that_needs_more_pages_than_are_free_is_refused_before_writing()
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 2);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var cache = new PagedKvCache(config, slots: 2, totalTokens: 32, maxTokensPerSlot: 64, CPU, ScalarType.Float32, pageSize: 16);
        net.Forward(ModelTestUtil.RandomTokens(1, 30, config.VocabSize, 1), cache, [0]);
        var e = Assert.Throws<KvCacheFullException>(() => net.Forward(ModelTestUtil.RandomTokens(1, 8, config.VocabSize, 2), cache, [1]));
        Assert.Contains("free", e.Message);
        Assert.Equal(0, cache.Length(1));
        Assert.Equal(30, cache.Length(0));
    }
}
