using AprOrleans.Model;
using static TorchSharp.torch;

namespace AprOrleans.Trainer;

/// <summary>
/// Mixed-precision training without autocast (TorchSharp 0.107 has none): a bf16 copy of the fp32 master model runs
/// the forward and backward, its gradients are moved into the masters' fp32 gradients, the optimizer updates the
/// masters, and the copy is refreshed from them. The masters stay the training state (optimizer moments, checkpoints,
/// resume); the copy only ever holds the masters rounded to bf16, so a resumed run rebuilds it exactly.
/// The copy's weights and gradients are laid out like the masters' <see cref="FlatAdamW"/> buffers, so moving the
/// gradients and refreshing the weights are one kernel each.
/// </summary>
public sealed class Bf16ComputeCopy : IDisposable
{
    private readonly FlatAdamW _masters;
    private readonly Tensor _weights;
    private readonly Tensor _gradients;

    public Bf16ComputeCopy(LlamaForCausalLM master, FlatAdamW masters)
    {
        if (master.DType != ScalarType.Float32)
            throw new ArgumentException($"the master model must be fp32, not {master.DType}", nameof(master));
        _masters = masters;
        // Seed 0: the weights are overwritten from the masters right away.
        Model = LlamaForCausalLM.Create(master.Config, seed: 0, master.Device, ScalarType.BFloat16);
        var compute = Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        _weights = empty(masters.Weights.shape[0], dtype: ScalarType.BFloat16, device: master.Device);
        _gradients = zeros(masters.Weights.shape[0], dtype: ScalarType.BFloat16, device: master.Device);
        long offset = 0;
        using (no_grad())
        {
            foreach (var (name, _) in masters.Order)
            {
                var parameter = compute[name];
                long count = parameter.numel();
                using var weightSlice = _weights.narrow(0, offset, count);
                using var weights = weightSlice.view(parameter.shape);
                ReleaseResult(parameter, parameter.set_(weights));
                using var gradientSlice = _gradients.narrow(0, offset, count);
                using var gradient = gradientSlice.view(parameter.shape);
                parameter.grad = gradient;
                offset += count;
            }
        }
        Model.train(master.training);
        Refresh();
    }

    /// <summary>The bf16 network that computes the loss and its gradients.</summary>
    public LlamaForCausalLM Model { get; }

    /// <summary>Copies the masters into the bf16 weights (after every optimizer step).</summary>
    public void Refresh()
    {
        using var noGrad = no_grad();
        _weights.copy_(_masters.Weights);
    }

    /// <summary>
    /// Adds the bf16 gradients of the last backward into the masters' fp32 gradients and clears the bf16 ones, so the
    /// optimizer and gradient clipping see fp32 gradients and micro-batches accumulate in fp32. The caller zeroes the
    /// masters' gradients before a step, as usual.
    /// </summary>
    public void MoveGradientsToMasters()
    {
        using var noGrad = no_grad();
        _masters.Gradients.add_(_gradients);
        _gradients.zero_();
    }

    /// <summary>set_ works in place; it may hand back the same object (which must stay alive) or a second handle.</summary>
    private static void ReleaseResult(Tensor self, Tensor result)
    {
        if (!ReferenceEquals(self, result)) result.Dispose();
    }

    public void Dispose()
    {
        Model.Dispose();
        _gradients.Dispose();
        _weights.Dispose();
    }
}
