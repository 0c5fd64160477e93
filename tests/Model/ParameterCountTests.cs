using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;

namespace AprOrleans.Tests.Model;

public class ParameterCountTests
{
    [Fact]
    public void PaperPresetOnMetaHas227Point7MNonEmbeddingParameters()
    {
        var config = ModelConfig.FromPreset("paper", CountdownTokenizer.Default.VocabularySize);
        // Per layer: 4·1024² (q,k,v,o) + 3·1024·2752 (gate, up, down) + 2·1024 (norms) = 12 650 496;
        // 18 layers + the final norm (1024) = 227 709 952.
        const long expected = 18L * (4L * 1024 * 1024 + 3L * 1024 * 2752 + 2L * 1024) + 1024;
        Assert.Equal(227_709_952L, expected);
        Assert.Equal(expected, config.NonEmbeddingParameterCount);

        using var net = LlamaForCausalLM.OnMeta(config);
        Assert.Equal("meta", net.Device.type.ToString().ToLowerInvariant());
        long counted = net.CountNonEmbeddingParameters();
        Assert.Equal(expected, counted);
        Assert.Equal(227.7, Math.Round(counted / 1e6, 1));
        Assert.Equal(config.ParameterCount, net.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [InlineData("tiny", 0.8, 1.2)]
    [InlineData("small", 4.0, 6.0)]
    [InlineData("base", 25.0, 27.0)]
    public void PresetsHaveTheirAdvertisedSize(string preset, double minMillions, double maxMillions)
    {
        var config = ModelConfig.FromPreset(preset, CountdownTokenizer.Default.VocabularySize);
        using var net = LlamaForCausalLM.OnMeta(config);
        double millions = net.parameters().Sum(p => p.numel()) / 1e6;
        Assert.InRange(millions, minMillions, maxMillions);
    }

    [Fact]
    public void UnknownPresetIsRejectedByName()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelConfig.FromPreset("huge", 100));
        Assert.Contains("huge", e.Message);
    }
}

public class InitializationTests
{
    [Fact]
    public void SameSeedGivesSameWeightsAndAnotherSeedDoesNot()
    {
        var config = ModelTestUtil.Micro();
        using var a = LlamaForCausalLM.Create(config, seed: 42);
        using var b = LlamaForCausalLM.Create(config, seed: 42);
        using var c = LlamaForCausalLM.Create(config, seed: 43);
        var pb = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var pc = c.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in a.named_parameters())
        {
            Assert.Equal(0.0, ModelTestUtil.MaxAbsDiff(p, pb[name]));
            if (!name.EndsWith("norm.weight", StringComparison.Ordinal)) Assert.NotEqual(0.0, ModelTestUtil.MaxAbsDiff(p, pc[name]));
        }
    }
}

public class ModelLifetimeTests
{
    [Theory]
    [InlineData(TorchSharp.torch.ScalarType.Float32)]
    [InlineData(TorchSharp.torch.ScalarType.BFloat16)]
    public void AModelBuiltInsideADisposeScopeOutlivesIt(TorchSharp.torch.ScalarType dtype)
    {
        var config = ModelTestUtil.Micro();
        LlamaForCausalLM net;
        using (TorchSharp.torch.NewDisposeScope())
        {
            net = LlamaForCausalLM.Create(config, seed: 1, TorchSharp.torch.CPU, dtype);
        }
        using var _ = net;
        using var noGrad = TorchSharp.torch.no_grad();
        using var tokens = ModelTestUtil.RandomTokens(1, 5, config.VocabSize, seed: 1);
        using var logits = net.forward(tokens);
        Assert.Equal([1L, 5L, config.VocabSize], logits.shape);
    }
}
