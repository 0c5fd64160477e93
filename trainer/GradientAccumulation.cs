using static TorchSharp.torch;

namespace AprOrleans.Trainer;

/// <summary>
/// One optimizer update built from several backward passes (micro-batches): the fp32 master gradients are zeroed
/// once, every micro-batch's gradients are added into them (through the bf16 copy, when there is one, so the sum is
/// taken in fp32), and only then are they clipped and applied. SFT (<c>--accumulate</c>) and GRPO (its micro-batches)
/// share it, so both accumulate the same way. Each loss must already carry its share of the update's normalisation:
/// the gradients are summed, never averaged here. <paramref name="phases"/>, when given, times each part.
/// </summary>
public sealed class GradientAccumulation(FlatAdamW optimizer, Bf16ComputeCopy? bf16)
{
    /// <summary>Starts an update: no gradient from an earlier one may leak into it.</summary>
    public void Begin() => optimizer.ZeroGradients();

    /// <summary>Adds the gradients of <paramref name="loss"/> (one micro-batch's share of the update) to the masters'.</summary>
    public void Add(Tensor loss, StepPhaseTimer? phases = null)
    {
        loss.backward();
        phases?.Mark("backward");
        // Per micro-batch: the bf16 gradients would otherwise sum in bf16 and lose the small contributions.
        bf16?.MoveGradientsToMasters();
        phases?.Mark("grads to fp32");
    }

    /// <summary>Clips the summed gradients, takes the AdamW step and refreshes the bf16 copy; returns the norm before clipping.</summary>
    public double Apply(double gradClip, double learningRate, StepPhaseTimer? phases = null)
    {
        double norm = optimizer.ClipGradientNorm(gradClip);
        phases?.Mark("clip");
        optimizer.Step(learningRate);
        phases?.Mark("adamw");
        bf16?.Refresh();
        phases?.Mark("bf16 refresh");
        return norm;
    }
}
