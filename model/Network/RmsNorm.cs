using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>
/// Root-mean-square norm as in Llama: statistics in fp32 even when the weights are bf16 (a bf16 mean of squares
/// over 1024 features loses too much), then scaled by the learned weight in the input's dtype, like transformers.
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    // Field name = parameter name ("weight") in the state dictionary and the checkpoint.
    private readonly Parameter weight;
    private readonly double _eps;

    public RmsNorm(long dim, double eps, Device? device) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(dim, device: device));
        _eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        // An explicit Scalar, alive until the end of this call: TorchSharp 0.107 leaves implicitly converted
        // Scalars to the finalizer, which can free one while libtorch still reads it (seen as a c10 toFloat
        // check failure under GC pressure in the silo).
        using var eps = _eps.ToScalar();
        var h = x.to(ScalarType.Float32);
        var normed = h * rsqrt(h.square().mean([-1], keepdim: true).Plus(eps));
        return (weight * normed.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
