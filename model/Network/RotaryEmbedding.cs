using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>
/// Rotary position embedding in Hugging Face's "rotate_half" layout: a head vector's first half and second half
/// form the rotated pairs (not interleaved even/odd features), so transformers' LlamaForCausalLM reads our
/// q/k projection weights unchanged. The cos/sin tables are computed once in fp32 the way transformers does it
/// (fp32 inverse frequencies times fp32 positions) and kept as buffers so <c>.to()</c> moves them with the model.
/// </summary>
public sealed class RotaryEmbedding : nn.Module
{
    // Persistent buffers (registered by RegisterComponents) so that .to(device/dtype) moves them; they are not
    // parameters, so checkpoints (which write parameters only) leave them out, as transformers expects.
    private Tensor cos_table;
    private Tensor sin_table;

    public RotaryEmbedding(int headDim, int maxPositions, double theta, Device? device) : base(nameof(RotaryEmbedding))
    {
        using (NewDisposeScope())
        {
            var exponents = arange(0, headDim, 2, dtype: ScalarType.Int64).to(ScalarType.Float32) / headDim;
            var invFreq = pow(tensor((float)theta), exponents).reciprocal();
            var positions = arange(maxPositions, dtype: ScalarType.Int64).to(ScalarType.Float32);
            var freqs = outer(positions, invFreq);
            var angles = cat([freqs, freqs], dim: -1);
            cos_table = angles.cos().to(device ?? CPU).DetachFromDisposeScope();
            sin_table = angles.sin().to(device ?? CPU).DetachFromDisposeScope();
        }
        RegisterComponents();
    }

    public long MaxPositions => cos_table.shape[0];

    /// <summary>cos/sin for positions 0..length-1, shaped [length, headDim] (broadcasts over batch and heads).</summary>
    public (Tensor Cos, Tensor Sin) ForPrefix(long length) =>
        (cos_table.narrow(0, 0, length), sin_table.narrow(0, 0, length));

    /// <summary>cos/sin for arbitrary positions [B, T], shaped [B, 1, T, headDim].</summary>
    public (Tensor Cos, Tensor Sin) ForPositions(Tensor positions)
    {
        using var scope = NewDisposeScope();
        var flat = positions.reshape(-1);
        var shape = new long[] { positions.shape[0], 1, positions.shape[1], cos_table.shape[1] };
        var c = cos_table.index_select(0, flat).view(shape);
        var s = sin_table.index_select(0, flat).view(shape);
        return (c.MoveToOuterDisposeScope(), s.MoveToOuterDisposeScope());
    }

    /// <summary>x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var x1 = x.narrow(-1, 0, half);
        var x2 = x.narrow(-1, half, half);
        var rotated = cat([x2.neg(), x1], dim: -1);
        return (x * cos).Plus(rotated * sin).MoveToOuterDisposeScope();
    }
}
