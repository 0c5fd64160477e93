using AprOrleans.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Trainer;

/// <summary>
/// Mixed-precision training without autocast (TorchSharp 0.107 has none): a bf16 copy of the fp32 master model runs
/// the forward and backward, its gradients are moved into the masters' fp32 gradients, the optimizer updates the
/// masters, and the copy is refreshed from them. The masters stay the training state (optimizer moments, checkpoints,
/// resume); the copy only ever holds the masters rounded to bf16, so a resumed run rebuilds it exactly.
/// </summary>
public sealed class Bf16ComputeCopy : IDisposable
{
    private readonly List<(Parameter Master, Parameter Compute)> _pairs;

    public Bf16ComputeCopy(LlamaForCausalLM master)
    {
        if (master.DType != ScalarType.Float32)
            throw new ArgumentException($"the master model must be fp32, not {master.DType}", nameof(master));
        // Seed 0: the weights are overwritten from the masters right away.
        Model = LlamaForCausalLM.Create(master.Config, seed: 0, master.Device, ScalarType.BFloat16);
        var compute = Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        _pairs = [.. master.named_parameters().Select(p => (p.parameter, compute[p.name]))];
        Model.train(master.training);
        Refresh();
    }

    /// <summary>The bf16 network that computes the loss and its gradients.</summary>
    public LlamaForCausalLM Model { get; }

    /// <summary>Copies the masters into the bf16 weights (after every optimizer step).</summary>
    public void Refresh()
    {
        using var noGrad = no_grad();
        foreach (var (master, compute) in _pairs) compute.copy_(master);
    }

    /// <summary>
    /// Adds the bf16 gradients of the last backward into the masters' fp32 gradients (created on first use) and
    /// clears the bf16 ones, so the optimizer and gradient clipping see fp32 gradients of the right parameters, and
    /// micro-batches accumulate in fp32. The caller zeroes the masters' gradients before a step, as usual.
    /// </summary>
    public void MoveGradientsToMasters()
    {
        using var noGrad = no_grad();
        foreach (var (master, compute) in _pairs)
        {
            using var gradient = compute.grad;
            if (gradient is null) continue;
            using var existing = master.grad;
            if (existing is not null)
            {
                existing.add_(gradient);
            }
            else
            {
                // The parameter keeps its own reference to the new gradient; this handle is released here.
                using var fp32 = gradient.to(ScalarType.Float32);
                master.grad = fp32;
            }
        }
        // Cleared (TorchSharp frees them): the next backward starts from fresh bf16 gradients.
        Model.zero_grad();
    }

    public void Dispose() => Model.Dispose();
}
