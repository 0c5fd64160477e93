using AprOrleans.Model.Inference;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>
/// Bias-free projections of one input (q/k/v, or gate/up) computed as one matrix product: their weights are copied
/// into one [Σ outputs, inputs] matrix and each projection's Parameter is re-pointed (<c>set_</c>) at its rows of it.
/// The Parameters keep their Hugging Face names and shapes, so checkpoints, loads and weight swaps (which copy into
/// the Parameters in place) read and write the fused matrix itself: it can never go stale. Whoever re-points a
/// Parameter elsewhere (<c>.to()</c>, an optimizer's flat buffer) breaks the sharing; <see cref="Intact"/> then says
/// so and the module goes back to its separate projections rather than use stale weights.
/// </summary>
internal sealed class FusedProjections : IDisposable
{
    private readonly Parameter[] _weights;
    private readonly Tensor _fused;
    private readonly long[] _rowOffsets;

    private FusedProjections(Parameter[] weights, Tensor fused, long[] rowOffsets)
    {
        _weights = weights;
        _fused = fused;
        _rowOffsets = rowOffsets;
    }

    /// <summary>Re-points the projections' weights at one fused matrix (no gradient; the weights keep their values).</summary>
    public static FusedProjections Fuse(params Linear[] projections)
    {
        if (projections.Any(p => p.bias is not null)) throw new ArgumentException("only bias-free projections fuse", nameof(projections));
        var weights = projections.Select(p => p.weight!).ToArray();
        long inputs = weights[0].shape[1];
        if (weights.Any(w => w.shape[1] != inputs || w.dim() != 2)) throw new ArgumentException("fused projections must share their input", nameof(projections));
        using var noGrad = no_grad();
        var fused = empty([weights.Sum(w => w.shape[0]), inputs], dtype: weights[0].dtype, device: weights[0].device).DetachFromDisposeScope();
        var offsets = new long[weights.Length];
        long row = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            offsets[i] = row;
            using var rows = fused.narrow(0, row, weights[i].shape[0]);
            rows.copy_(weights[i]);
            // set_ may hand back the Parameter itself or a second handle to it; only a second handle is ours to free.
            var repointed = weights[i].set_(rows);
            if (!ReferenceEquals(repointed, weights[i])) repointed.Dispose();
            row += weights[i].shape[0];
        }
        return new FusedProjections(weights, fused, offsets);
    }

    /// <summary>
    /// Whether every projection's weight still lies in the fused matrix (a host-side check of addresses: no device work).
    /// </summary>
    public bool Intact
    {
        get
        {
            long start = TensorAddress.Of(_fused), rowBytes = _fused.shape[1] * _fused.ElementSize;
            for (int i = 0; i < _weights.Length; i++)
            {
                if (TensorAddress.Of(_weights[i]) != start + _rowOffsets[i] * rowBytes) return false;
            }
            return true;
        }
    }

    /// <summary>All projections of <paramref name="x"/> [.., inputs] side by side: [.., Σ outputs], in the order fused.</summary>
    public Tensor Forward(Tensor x) => nn.functional.linear(x, _fused);

    public void Dispose() => _fused.Dispose();
}
