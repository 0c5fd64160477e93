using AprOrleans.Model;
using AprOrleans.Trainer;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Training;

/// <summary>
/// <see cref="FlatAdamW"/> must be torch's AdamW, element for element, only laid out in one buffer; and it must read
/// the per-tensor optimizer files that checkpoints were written with before.
/// </summary>
public sealed class FlatAdamWTests : IDisposable
{
    private const double LearningRate = 1e-2, WeightDecay = 0.1;
    private readonly string _root = Directory.CreateTempSubdirectory("apr-flatadamw-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static LlamaForCausalLM NewModel() => LlamaForCausalLM.Create(ModelConfig.FromPreset("tiny", 40), seed: 3, CPU, ScalarType.Float32);

    private static bool Decays(Parameter p) => p.dim() >= 2;

    /// <summary>The optimizer the trainers used before the flat layout: one state per tensor, two decay groups.</summary>
    private static AdamW PerTensor(LlamaForCausalLM model)
    {
        var named = model.named_parameters().ToList();
        return optim.AdamW(
            [
                new AdamW.ParamGroup(named.Where(p => Decays(p.parameter)).Select(p => p.parameter), LearningRate, 0.9, 0.999, 1e-8, WeightDecay, false, false),
                new AdamW.ParamGroup(named.Where(p => !Decays(p.parameter)).Select(p => p.parameter), LearningRate, 0.9, 0.999, 1e-8, 0.0, false, false),
            ],
            lr: LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: WeightDecay);
    }

    private static void Backward(LlamaForCausalLM model, int seed)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var tokens = randint(0, 40, [2, 12], generator: generator);
        var logits = model.forward(tokens.narrow(1, 0, 11));
        nn.functional.cross_entropy(logits.reshape(-1, 40), tokens.narrow(1, 1, 11).reshape(-1)).backward();
    }

    private static void AssertSameWeights(LlamaForCausalLM expected, LlamaForCausalLM actual)
    {
        var reference = expected.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in actual.named_parameters())
            Assert.True(parameter.allclose(reference[name], rtol: 0, atol: 0), $"{name} differs");
    }

    [Fact]
    public void Steps_equal_torch_AdamW_on_each_tensor_exactly()
    {
        using var expected = NewModel();
        using var actual = NewModel();
        using var perTensor = PerTensor(expected);
        using var flat = new FlatAdamW(actual, LearningRate, WeightDecay, Decays);
        for (int step = 0; step < 3; step++)
        {
            perTensor.zero_grad();
            Backward(expected, step);
            perTensor.step();

            flat.ZeroGradients();
            Backward(actual, step);
            // The gradients landed in the flat buffer: every parameter's gradient is a view of it.
            Assert.True(flat.Gradients.abs().sum().item<float>() > 0);
            flat.Step(LearningRate);
        }
        AssertSameWeights(expected, actual);
        // And the weights did move (the comparison is not between two untouched models).
        using var untouched = NewModel();
        Assert.False(untouched.named_parameters().First().parameter.allclose(actual.named_parameters().First().parameter, rtol: 0, atol: 0));
    }

    [Fact]
    public void Clipping_matches_torch_clip_grad_norm()
    {
        using var expected = NewModel();
        using var actual = NewModel();
        using var flat = new FlatAdamW(actual, LearningRate, WeightDecay, Decays);
        flat.ZeroGradients();
        Backward(expected, 1);
        Backward(actual, 1);
        double expectedNorm = nn.utils.clip_grad_norm_(expected.parameters(), 0.5);
        double actualNorm = flat.ClipGradientNorm(0.5);
        Assert.True(expectedNorm > 0.5, $"the test must clip (norm {expectedNorm})");
        Assert.Equal(expectedNorm, actualNorm, 1e-5 * expectedNorm);
        var reference = expected.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in actual.named_parameters())
            Assert.True(parameter.grad!.allclose(reference[name], rtol: 1e-5, atol: 1e-8), $"{name}'s clipped gradient differs");
    }

    [Fact]
    public void A_per_tensor_optimizer_file_from_older_checkpoints_continues_exactly()
    {
        using var expected = NewModel();
        using var perTensor = PerTensor(expected);
        for (int step = 0; step < 2; step++)
        {
            perTensor.zero_grad();
            Backward(expected, step);
            perTensor.step();
        }
        perTensor.save_state_dict(Path.Combine(_root, FlatAdamW.LegacyFileName));

        // What a resume does: the checkpoint's weights, then the optimizer file.
        using var actual = NewModel();
        using (no_grad())
        {
            var saved = expected.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, parameter) in actual.named_parameters()) parameter.copy_(saved[name]);
        }
        using var flat = new FlatAdamW(actual, LearningRate, WeightDecay, Decays);
        flat.Load(_root);

        // One more step on both: equal only if both moments and the step count (bias correction) came across.
        perTensor.zero_grad();
        Backward(expected, 2);
        perTensor.step();
        flat.ZeroGradients();
        Backward(actual, 2);
        flat.Step(LearningRate);
        AssertSameWeights(expected, actual);
    }

    [Fact]
    public void A_checkpoint_without_optimizer_state_is_an_error_naming_both_files()
    {
        using var model = NewModel();
        using var flat = new FlatAdamW(model, LearningRate, WeightDecay);
        var e = Assert.Throws<FileNotFoundException>(() => flat.Load(_root));
        Assert.Contains(FlatAdamW.FileName, e.Message);
        Assert.Contains(FlatAdamW.LegacyFileName, e.Message);
    }
}
