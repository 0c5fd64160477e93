using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

/// <summary>
/// q/k/v and gate/up fused into one matrix product each (<see cref="LlamaForCausalLM.FuseProjections"/>): the same logits
/// as the separate projections, Hugging Face names in checkpoints, loads that reach the fused weights, and training
/// forwards that still give every projection its gradient.
/// </summary>
public class FusedProjectionTests
{
    private const double Tolerance = 1e-4;

    private static LlamaForCausalLM Trained(long seed)
    {
        var net = LlamaForCausalLM.Create(ModelTestUtil.Micro(), seed);
        ModelTestUtil.LookTrained(net, std: 0.08, seed: (ulong)seed);
        return net;
    }

    [Fact]
    public void A_fused_model_gives_the_separate_projections_logits_whole_and_decoding_from_a_cache()
    {
        using var separate = Trained(1);
        using var fused = Trained(1);
        fused.FuseProjections();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = ModelTestUtil.RandomTokens(2, 24, separate.Config.VocabSize, seed: 4);
        var expected = separate.forward(tokens);
        Assert.True(ModelTestUtil.MaxAbsDiff(fused.forward(tokens), expected) <= Tolerance);

        using var cache = new KvCache(fused.Config, slots: 2, capacity: 32, CPU, ScalarType.Float32);
        fused.Forward(tokens.narrow(1, 0, 16), cache, [0, 1]);
        for (int t = 16; t < 24; t++)
        {
            var logits = fused.Forward(tokens.narrow(1, t, 1), cache, [0, 1]);
            Assert.True(ModelTestUtil.MaxAbsDiff(logits, expected.narrow(1, t, 1)) <= Tolerance, $"position {t}");
        }
    }

    [Fact]
    public void A_fused_model_saves_hugging_face_names_and_loading_weights_reaches_its_fused_matrices()
    {
        using var source = Trained(2);
        source.FuseProjections();
        using var target = Trained(3);
        target.FuseProjections();
        var path = Path.Combine(Path.GetTempPath(), $"fused-{Guid.NewGuid():N}.safetensors");
        try
        {
            ModelCheckpoint.WriteWeights(path, [.. source.named_parameters().Select(p => (p.name, (Tensor)p.parameter))]);
            using (var stream = File.OpenRead(path))
            {
                var names = SafeTensors.ReadHeader(stream, path).Tensors.Keys.ToHashSet();
                foreach (var projection in new[] { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.up_proj" })
                    Assert.Contains($"model.layers.1.{projection}.weight", names);
                Assert.Equal(source.named_parameters().Count(), names.Count);
            }
            // A weight swap: the engine loads into its (fused) model's Parameters in place.
            ModelCheckpoint.LoadWeights(path, target);
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var tokens = ModelTestUtil.RandomTokens(1, 20, source.Config.VocabSize, seed: 5);
            Assert.True(ModelTestUtil.MaxAbsDiff(target.forward(tokens), source.forward(tokens)) <= Tolerance);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".sha256");
        }
    }

    [Fact]
    public void A_forward_that_records_gradients_gives_each_projection_the_separate_models_gradient()
    {
        using var separate = Trained(4);
        using var fused = Trained(4);
        fused.FuseProjections();
        using var tokens = ModelTestUtil.RandomTokens(2, 12, separate.Config.VocabSize, seed: 6);
        foreach (var net in new[] { separate, fused })
        {
            using var scope = NewDisposeScope();
            net.forward(tokens).square().mean().backward();
        }
        var expected = separate.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in fused.named_parameters())
        {
            Assert.NotNull(parameter.grad);
            Assert.True(ModelTestUtil.MaxAbsDiff(parameter.grad!, expected[name]) <= 1e-6, name);
        }
    }

    [Fact]
    public void A_weight_repointed_elsewhere_after_fusing_is_used_as_it_now_is()
    {
        using var separate = Trained(5);
        using var fused = Trained(5);
        fused.FuseProjections();
        using (no_grad())
        {
            // As an optimizer's flat buffer does: the Parameter now lives in other memory, with other values.
            foreach (var net in new[] { separate, fused })
            {
                var weight = net.named_parameters().Single(p => p.name == "model.layers.0.self_attn.k_proj.weight").parameter;
                var moved = (weight * 1.5).DetachFromDisposeScope();
                var same = weight.set_(moved);
                if (!ReferenceEquals(same, weight)) same.Dispose();
            }
        }
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = ModelTestUtil.RandomTokens(1, 16, separate.Config.VocabSize, seed: 7);
        Assert.True(ModelTestUtil.MaxAbsDiff(fused.forward(tokens), separate.forward(tokens)) <= Tolerance);
    }
}
