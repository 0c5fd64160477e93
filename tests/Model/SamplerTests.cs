using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

public class SamplerTests
{
    private static Tensor Logits() => tensor(new float[] { 0.1f, 2.0f, 1.5f, -1f, 0.5f, 1.9f, 0f, 0.2f }, [2, 4]);

    [Fact]
    public void GreedyTakesTheArgmax()
    {
        using var sampler = new Sampler(1, CPU);
        using var logits = Logits();
        var (tokens, logProbs) = sampler.Sample(logits, SamplingOptions.Greedy);
        Assert.Equal([1L, 1L], tokens.data<long>().ToArray());
        using var expected = logits.log_softmax(-1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        Assert.Equal(0.0, ModelTestUtil.MaxAbsDiff(expected, logProbs));
    }

    [Fact]
    public void SameSeedSameDrawsAndTopKOneIsGreedy()
    {
        using var logits = tensor(new float[] { 0.3f, 0.2f, 0.1f, 0.25f }).repeat(64, 1);
        var options = new SamplingOptions(Temperature: 1.0);
        long[] Draw(long seed)
        {
            using var s = new Sampler(seed, CPU);
            return [.. s.Sample(logits, options).Tokens.data<long>()];
        }
        Assert.Equal(Draw(11), Draw(11));
        Assert.NotEqual(Draw(11), Draw(12));
        Assert.True(Draw(11).Distinct().Count() > 1, "temperature sampling explores");

        using var sampler = new Sampler(3, CPU);
        var topOne = sampler.Sample(logits, new SamplingOptions(Temperature: 1.0, TopK: 1)).Tokens.data<long>().ToArray();
        Assert.All(topOne, t => Assert.Equal(0L, t));
    }

    [Fact]
    public void TopPKeepsOnlyTheNucleus()
    {
        // Probabilities ≈ [0.6, 0.3, 0.07, 0.03]: top_p 0.8 keeps the first two tokens only.
        using var probs = tensor(new float[] { 0.6f, 0.3f, 0.07f, 0.03f });
        using var logits = probs.log().repeat(256, 1);
        using var sampler = new Sampler(5, CPU);
        var drawn = sampler.Sample(logits, new SamplingOptions(Temperature: 1.0, TopP: 0.8)).Tokens.data<long>().ToArray();
        Assert.All(drawn, t => Assert.InRange(t, 0L, 1L));
        Assert.Contains(1L, drawn);
    }
}
