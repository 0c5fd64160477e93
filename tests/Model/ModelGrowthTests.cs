using AprOrleans.Model;
using AprOrleans.Model.Growth;
using Xunit;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

public sealed class ModelGrowthTests
{
    private static readonly ModelConfig Small =
        new("micro", 50, HiddenSize: 32, NumLayers: 2, NumHeads: 2, IntermediateSize: 48, MaxPositionEmbeddings: 64);

    public static TheoryData<string, ModelConfig> Targets => new()
    {
        // Wider heads (RoPE features spread out), wider residual stream and MLP, one more layer.
        { "wider heads", new("grown", 50, HiddenSize: 64, NumLayers: 3, NumHeads: 2, IntermediateSize: 96, MaxPositionEmbeddings: 64) },
        // More heads of the same size.
        { "more heads", new("grown", 50, HiddenSize: 64, NumLayers: 2, NumHeads: 4, IntermediateSize: 48, MaxPositionEmbeddings: 64) },
        // One more layer only; a wider MLP only.
        { "layers", new("grown", 50, HiddenSize: 32, NumLayers: 3, NumHeads: 2, IntermediateSize: 48, MaxPositionEmbeddings: 64) },
        { "ffn", new("grown", 50, HiddenSize: 32, NumLayers: 2, NumHeads: 2, IntermediateSize: 96, MaxPositionEmbeddings: 64) },
        // Both, and a longer context.
        { "both", new("grown", 50, HiddenSize: 128, NumLayers: 4, NumHeads: 4, IntermediateSize: 200, MaxPositionEmbeddings: 128) },
    };

    /// <summary>A source whose logits vary a lot, so a growth that lost any of its weights would show.</summary>
    private static LlamaForCausalLM TrainedLookingSource()
    {
        var source = LlamaForCausalLM.Create(Small, seed: 3);
        ModelTestUtil.LookTrained(source, std: 0.25, seed: 7);
        return source;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_grown_model_computes_the_same_logits(string what, ModelConfig target)
    {
        using var source = TrainedLookingSource();
        using var grown = ModelGrowth.Grow(source, target, seed: 11);
        using var tokens = ModelTestUtil.RandomTokens(3, 40, 50, seed: 5);
        using var noGrad = no_grad();
        using var logits = source.forward(tokens);
        Assert.True(logits.std().item<float>() > 0.5f, "the source's logits should vary");
        Assert.Equal(target, grown.Config);
        var difference = ModelGrowth.MaxLogitDifference(source, grown, tokens);
        Assert.True(difference < 1e-4, $"{what}: max |Δ logit| {difference}");
    }

    [Fact]
    public void The_zero_started_weights_receive_gradients()
    {
        // d 32 → 64, 2 → 4 heads of 16, MLP 48 → 96, one more layer.
        var target = new ModelConfig("grown", 50, HiddenSize: 64, NumLayers: 3, NumHeads: 4, IntermediateSize: 96, MaxPositionEmbeddings: 64);
        AssertGradients(target,
        [
            ("the appended layer's o_proj", "model.layers.2.self_attn.o_proj.weight", g => g),
            ("the appended layer's down_proj", "model.layers.2.mlp.down_proj.weight", g => g),
            ("o_proj columns of the new heads", "model.layers.0.self_attn.o_proj.weight", g => g.narrow(1, 32, 32)),
            ("down_proj columns of the new MLP units", "model.layers.1.mlp.down_proj.weight", g => g.narrow(1, 48, 48)),
            ("q_proj columns of the second copy", "model.layers.0.self_attn.q_proj.weight", g => g.narrow(1, 32, 32)),
            ("LM head columns of the second copy", "lm_head.weight", g => g.narrow(1, 32, 32)),
        ]);
    }

    [Fact]
    public void The_zero_started_keys_of_widened_heads_receive_gradients()
    {
        // 2 heads of 16 → 2 heads of 32: in head 0 the new features are rows 1, 3, …, 15 and 17, 19, …, 31.
        var target = new ModelConfig("grown", 50, HiddenSize: 64, NumLayers: 2, NumHeads: 2, IntermediateSize: 48, MaxPositionEmbeddings: 64);
        using var newFeatures = tensor(Enumerable.Range(0, 32).Where(i => i % 2 == 1).Select(i => (long)i).ToArray());
        AssertGradients(target,
        [
            ("k_proj rows of the new head features", "model.layers.0.self_attn.k_proj.weight", g => g.index_select(0, newFeatures)),
            ("o_proj columns of the new head features", "model.layers.1.self_attn.o_proj.weight", g => g.index_select(1, newFeatures)),
        ]);
    }

    private static void AssertGradients(ModelConfig target, (string What, string Parameter, Func<Tensor, Tensor> Block)[] zeroStarted)
    {
        using var source = TrainedLookingSource();
        using var grown = ModelGrowth.Grow(source, target, seed: 11);
        using var scope = NewDisposeScope();
        var tokens = ModelTestUtil.RandomTokens(2, 20, 50, seed: 6);
        var logits = grown.forward(tokens);
        nn.functional.cross_entropy(logits.narrow(1, 0, 19).reshape(-1, 50), tokens.narrow(1, 1, 19).reshape(-1)).backward();
        var gradients = grown.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (what, parameter, block) in zeroStarted)
            Assert.True(block(gradients[parameter]).abs().sum().item<float>() > 0, $"{what}: no gradient");
    }

    [Fact]
    public void Rotary_rows_keep_their_frequency_and_pair()
    {
        // One head of 4 features into a head of 8: features 0,1 (first half) pair with 2,3; in the wider head
        // they go to 0,2 and pair with 4,6.
        Assert.Equal(new long[] { 0, 2, 4, 6 }, RotaryRowMap.Build(1, 4, 8));
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 }, RotaryRowMap.Build(2, 4, 4));
        Assert.Equal(new long[] { 0, 3, 6, 9 }, RotaryRowMap.Build(1, 4, 12));
    }

    [Theory]
    [InlineData(16, 2, 2, 48, 50, "hidden_size")]
    [InlineData(48, 2, 2, 48, 50, "hidden_size")]
    [InlineData(32, 1, 2, 48, 50, "num_hidden_layers")]
    [InlineData(96, 2, 4, 48, 50, "head_dim")]
    [InlineData(32, 2, 2, 32, 50, "intermediate_size")]
    [InlineData(32, 2, 2, 48, 60, "vocab_size")]
    public void A_shape_that_is_not_a_growth_is_refused_naming_the_field(int hidden, int layers, int heads, int intermediate, int vocab, string field)
    {
        using var source = LlamaForCausalLM.Create(Small, seed: 3);
        var target = new ModelConfig("grown", vocab, hidden, layers, heads, intermediate, 64);
        var error = Assert.Throws<ArgumentException>(() => ModelGrowth.Grow(source, target, seed: 1));
        Assert.Contains($"'{field}'", error.Message);
    }
}
