using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Checkpoints;

/// <summary>
/// Weighted averages of models of one shape, parameter by parameter (a "model soup" of checkpoints from one lineage):
/// the running sum lives in the first model, so memory stays at two models whatever the count.
/// </summary>
public static class WeightAveraging
{
    /// <summary>Multiplies every parameter of <paramref name="net"/> by <paramref name="weight"/>, in place.</summary>
    public static void Scale(LlamaForCausalLM net, double weight)
    {
        using var noGrad = no_grad();
        using var factor = weight.ToScalar();
        foreach (var (_, parameter) in net.named_parameters()) parameter.mul_(factor);
    }

    /// <summary>Adds <paramref name="weight"/> × each parameter of <paramref name="other"/> to <paramref name="sum"/>'s.</summary>
    public static void AddScaled(LlamaForCausalLM sum, LlamaForCausalLM other, double weight)
    {
        if (sum.Config != other.Config) throw new ArgumentException($"shapes differ: {sum.Config} vs {other.Config}", nameof(other));
        using var noGrad = no_grad();
        using var factor = weight.ToScalar();
        var others = other.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        foreach (var (name, parameter) in sum.named_parameters()) parameter.add_(others[name], alpha: factor);
    }
}
