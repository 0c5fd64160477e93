using AprOrleans.Model;
using AprOrleans.Model.Rl;
using static TorchSharp.torch;

namespace AprOrleans.Trainer.Grpo;

/// <summary>Diagnostics of one loss evaluation (DESIGN §8's per-step metrics that live at token level).</summary>
public sealed record GrpoLossStats(double Loss, double MeanKl, double ClipFraction, double MeanRatio, double SamplerGap);

/// <summary>
/// The APR GRPO loss: per generated token, the clipped policy-gradient term
/// −min(ρ·A, clip(ρ, 1−ε_low, 1+ε_high)·A) with ρ = exp(log π − log π_sampler), plus β times the k3 estimate of
/// KL(π ‖ π_ref) = exp(log π_ref − log π) − (log π_ref − log π) − 1; weighted per <see cref="GrpoBatch"/>.
/// </summary>
public sealed class GrpoObjective(GrpoSettings settings)
{
    /// <summary>The loss (a scalar with gradient on <paramref name="policy"/>) and its diagnostics.</summary>
    public (Tensor Loss, GrpoLossStats Stats) Compute(LlamaForCausalLM policy, LlamaForCausalLM? reference, GrpoBatch batch)
    {
        using var scope = NewDisposeScope();
        var logProbs = TokenLogProbs(policy, batch);
        var ratio = (logProbs - batch.OldLogProbs).exp() * batch.Mask;
        var unclipped = ratio * batch.Advantages;
        var clipped = ratio.clamp(1 - settings.ClipLow, 1 + settings.ClipHigh) * batch.Advantages;
        var tokenLoss = -minimum(unclipped, clipped);

        Tensor kl = zeros_like(tokenLoss);
        if (settings.KlBeta > 0 && reference is not null)
        {
            Tensor referenceLogProbs;
            using (no_grad()) referenceLogProbs = TokenLogProbs(reference, batch);
            var delta = referenceLogProbs - logProbs;
            kl = (delta.exp() - delta - 1) * batch.Mask;
            tokenLoss = tokenLoss + settings.KlBeta * kl;
        }
        var loss = (tokenLoss * batch.TokenWeights * batch.Mask).sum();

        double tokens = Math.Max(1, batch.GeneratedTokens);
        using var noGrad = no_grad();
        var isClipped = ((ratio < 1 - settings.ClipLow) | (ratio > 1 + settings.ClipHigh)).to(ScalarType.Float32) * batch.Mask;
        var stats = new GrpoLossStats(
            loss.item<float>(),
            kl.sum().item<float>() / tokens,
            isClipped.sum().item<float>() / tokens,
            ratio.sum().item<float>() / tokens,
            ((logProbs - batch.OldLogProbs).abs() * batch.Mask).sum().item<float>() / tokens);
        return (loss.MoveToOuterDisposeScope(), stats);
    }

    /// <summary>log π(target) at every position of the batch (masked positions hold junk and are weighted 0).</summary>
    private static Tensor TokenLogProbs(LlamaForCausalLM model, GrpoBatch batch) =>
        model.forward(batch.Inputs).log_softmax(-1).gather(-1, batch.Targets.unsqueeze(-1)).squeeze(-1);
}
