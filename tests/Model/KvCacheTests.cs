using AprOrleans.Model;
using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

public class KvCacheTests
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 1)] // slots out of order, one unused in between
    public void TokenByTokenDecodingEqualsTheFullForward(int slotA, int slotB)
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 3);
        using var noGrad = no_grad();
        using var tokens = ModelTestUtil.RandomTokens(2, 20, config.VocabSize, seed: 1);
        using var full = net.forward(tokens);
        using var cache = new KvCache(config, slots: 4, capacity: 32, CPU, ScalarType.Float32);

        // Prefill 7 tokens per row, then one token at a time.
        using (var prefix = tokens.narrow(1, 0, 7))
        using (var logits = net.Forward(prefix, cache, [slotA, slotB]))
        using (var expected = full.narrow(1, 0, 7))
            Assert.True(ModelTestUtil.MaxAbsDiff(logits, expected) <= Tolerance);
        for (int t = 7; t < 20; t++)
        {
            using var step = tokens.narrow(1, t, 1);
            using var logits = net.Forward(step, cache, [slotA, slotB]);
            using var expected = full.narrow(1, t, 1);
            double diff = ModelTestUtil.MaxAbsDiff(logits, expected);
            Assert.True(diff <= Tolerance, $"position {t}: max |Δ| = {diff}");
        }
        Assert.Equal(20, cache.Length(slotA));
        Assert.Equal(0, cache.Length(2));
    }

    [Fact]
    public void BatchWithALateJoinerAndAForkMatchesIndependentFullForwards()
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 5);
        using var noGrad = no_grad();
        using var a = ModelTestUtil.RandomTokens(1, 24, config.VocabSize, seed: 11);   // slot 0, from the start
        using var b = ModelTestUtil.RandomTokens(1, 10, config.VocabSize, seed: 12);   // slot 1, joins late
        // c shares a's first 9 tokens, then diverges: slot 2 is forked from slot 0's prefix.
        using var cTail = ModelTestUtil.RandomTokens(1, 8, config.VocabSize, seed: 13);
        using var cPrefix = a.narrow(1, 0, 9);
        using var c = cat([cPrefix, cTail], 1);
        using var fullA = net.forward(a);
        using var fullB = net.forward(b);
        using var fullC = net.forward(c);

        using var cache = new KvCache(config, slots: 4, capacity: 40, CPU, ScalarType.Float32);
        // a prefills 12 tokens alone.
        using (var p = a.narrow(1, 0, 12)) net.Forward(p, cache, [0]).Dispose();
        // c forks a's first 9 cached tokens; b joins with a 4-token prompt in the same (padded) batch as c's
        // first new token and a's next token: rows at positions 12, 0 and 9.
        cache.Fork(source: 0, target: 2, length: 9);
        Assert.Equal(9, cache.Length(2));
        var rows = new[] { 0, 1, 2 };
        using (var step = stack([Pad(a.narrow(1, 12, 1), 4), b.narrow(1, 0, 4), Pad(c.narrow(1, 9, 1), 4)], 0).squeeze(1))
        using (var logits = net.Forward(step, cache, rows, realTokens: [1, 4, 1]))
        {
            Check(logits[0].narrow(0, 0, 1), fullA[0].narrow(0, 12, 1), "a@12");
            Check(logits[1].narrow(0, 0, 4), fullB[0].narrow(0, 0, 4), "b@0..3");
            Check(logits[2].narrow(0, 0, 1), fullC[0].narrow(0, 9, 1), "c@9");
        }
        Assert.Equal([13, 4, 10], rows.Select(cache.Length));
        // Then all three decode one token per step at different positions.
        int ia = 13, ib = 4, ic = 10;
        while (ib < 10 && ic < 17)
        {
            using var step = cat([a.narrow(1, ia, 1), b.narrow(1, ib, 1), c.narrow(1, ic, 1)], 0);
            using var logits = net.Forward(step, cache, rows);
            Check(logits[0], fullA[0].narrow(0, ia, 1), $"a@{ia}");
            Check(logits[1], fullB[0].narrow(0, ib, 1), $"b@{ib}");
            Check(logits[2], fullC[0].narrow(0, ic, 1), $"c@{ic}");
            ia++; ib++; ic++;
        }
        // The fork did not disturb the source: a continues alone.
        using (var rest = a.narrow(1, ia, 24 - ia))
        using (var logits = net.Forward(rest, cache, [0]))
            Check(logits[0], fullA[0].narrow(0, ia, 24 - ia), "a tail");
    }

    [Fact]
    public void TruncateLetsAParentResumeFromItsPrefix()
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 9);
        using var noGrad = no_grad();
        using var first = ModelTestUtil.RandomTokens(1, 16, config.VocabSize, seed: 21);
        using var other = ModelTestUtil.RandomTokens(1, 6, config.VocabSize, seed: 22);
        using var cache = new KvCache(config, slots: 1, capacity: 32, CPU, ScalarType.Float32);
        net.Forward(first, cache, [0]).Dispose();
        cache.Truncate(0, 10);
        using var replaced = cat([first.narrow(1, 0, 10), other], 1);
        using var full = net.forward(replaced);
        using var logits = net.Forward(other, cache, [0]);
        Check(logits[0], full[0].narrow(0, 10, 6), "after truncate");
    }

    [Fact]
    public void OverflowingTheCapacityIsAnError()
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 1);
        using var noGrad = no_grad();
        using var cache = new KvCache(config, slots: 1, capacity: 8, CPU, ScalarType.Float32);
        using var tokens = ModelTestUtil.RandomTokens(1, 9, config.VocabSize, seed: 1);
        var e = Assert.Throws<InvalidOperationException>(() => net.Forward(tokens, cache, [0]));
        Assert.Contains("capacity", e.Message);
    }

    private static Tensor Pad(Tensor row, int length)
    {
        long missing = length - row.shape[1];
        return nn.functional.pad(row, [0, missing], value: 0);
    }

    private static void Check(Tensor actual, Tensor expected, string what)
    {
        double diff = ModelTestUtil.MaxAbsDiff(actual, expected);
        Assert.True(diff <= Tolerance, $"{what}: max |Δ| = {diff}");
    }
}

public class KvCacheInferenceTests
{
    [Fact]
    public void LastTokenLogitsOfAPaddedPrefillUnderInferenceModeMatchTheFullForward()
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 21);
        using var a = ModelTestUtil.RandomTokens(1, 9, config.VocabSize, seed: 1);
        using var b = ModelTestUtil.RandomTokens(1, 5, config.VocabSize, seed: 2);
        Tensor fullA, fullB;
        using (no_grad())
        {
            fullA = net.forward(a);
            fullB = net.forward(b);
        }
        using var _a = fullA;
        using var _b = fullB;
        // The decode engine runs under inference_mode with a cache allocated outside it.
        using var cache = new KvCache(config, slots: 2, capacity: 16, CPU, ScalarType.Float32);
        using var mode = inference_mode();
        using var padded = cat([a, nn.functional.pad(b, [0, 4], value: 0)], 0);
        using var last = net.Forward(padded, cache, [0, 1], realTokens: [9, 5], lastTokenOnly: true);
        Assert.Equal([2L, config.VocabSize], last.shape);
        Assert.True(ModelTestUtil.MaxAbsDiff(last[0], fullA[0][8]) <= 1e-4);
        Assert.True(ModelTestUtil.MaxAbsDiff(last[1], fullB[0][4]) <= 1e-4);
        Assert.Equal(5, cache.Length(1));
    }

    [Fact]
    public void BFloat16CacheDecodingTracksTheBFloat16FullForward()
    {
        var config = ModelTestUtil.Micro();
        using var net = LlamaForCausalLM.Create(config, seed: 22, CPU, ScalarType.BFloat16);
        using var noGrad = no_grad();
        using var tokens = ModelTestUtil.RandomTokens(1, 12, config.VocabSize, seed: 3);
        using var full = net.forward(tokens).to(ScalarType.Float32);
        using var cache = new KvCache(config, slots: 1, capacity: 16, CPU, ScalarType.BFloat16);
        net.Forward(tokens.narrow(1, 0, 6), cache, [0]).Dispose();
        for (int t = 6; t < 12; t++)
        {
            using var logits = net.Forward(tokens.narrow(1, t, 1), cache, [0], lastTokenOnly: true).to(ScalarType.Float32);
            // bf16 has ~3 significant digits; the two paths round differently.
            Assert.True(ModelTestUtil.MaxAbsDiff(logits[0], full[0][t]) <= 2e-2);
        }
    }
}
