using AprOrleans.Model;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

internal static class ModelTestUtil
{
    /// <summary>A small network for CPU tests: 2 layers, d 64, short context.</summary>
    public static ModelConfig Micro(int vocab = 50) =>
        new("micro", vocab, HiddenSize: 64, NumLayers: 2, NumHeads: 4, IntermediateSize: 96, MaxPositionEmbeddings: 128);

    public static Tensor RandomTokens(int rows, int length, int vocab, int seed)
    {
        var random = new Random(seed);
        var data = new long[rows * length];
        for (int i = 0; i < data.Length; i++) data[i] = random.Next(vocab);
        return tensor(data, [rows, length]);
    }

    /// <summary>
    /// Redraws every weight far from the initialization's, as a trained model's are: norms uniform in [0.5, 1.5],
    /// matrices N(0, <paramref name="std"/>). Logits then vary a lot, so a comparison between models means something.
    /// </summary>
    public static void LookTrained(LlamaForCausalLM net, double std, ulong seed)
    {
        using var generator = new Generator(seed, CPU);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in net.named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) parameter.uniform_(0.5, 1.5, generator);
            else parameter.normal_(0.0, std, generator);
        }
    }

    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<float>();
    }
}
