using AprOrleans.Model;
using AprOrleans.Model.Network;
using AprOrleans.Reasoning.Rl;
using TorchSharp;
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
    /// <summary>
    /// The frozen reference's log π_ref(target) for a batch, without gradient. It depends only on the batch, so a step
    /// computes it once and reuses it in every inner update.
    /// </summary>
    public static Tensor ReferenceLogProbs(LlamaForCausalLM reference, GrpoBatch batch)
    {
        using var noGrad = no_grad();
        return TokenLogProbs(reference, batch);
    }

    /// <summary>
    /// The loss (a scalar with gradient on <paramref name="policy"/>) and its diagnostics, with the reference's
    /// log-probs given (<see cref="ReferenceLogProbs"/>; null = no KL term, as with β = 0).
    /// </summary>
    public (Tensor Loss, GrpoLossStats Stats) Compute(LlamaForCausalLM policy, GrpoBatch batch, Tensor? referenceLogProbs)
    {
        using var scope = NewDisposeScope();
        // Explicit Scalars alive for the whole call, and Plus/Minus instead of + and −: TorchSharp's implicit
        // scalars can be finalized while libtorch reads them (see ScalarSafeOps).
        using var low = (1 - settings.ClipLow).ToScalar();
        using var high = (1 + settings.ClipHigh).ToScalar();
        using var beta = settings.KlBeta.ToScalar();
        using var one = 1.ToScalar();
        var logProbs = TokenLogProbs(policy, batch);
        var ratio = logProbs.Minus(batch.OldLogProbs).exp() * batch.Mask;
        var unclipped = ratio * batch.Advantages;
        var clipped = ratio.clamp(low, high) * batch.Advantages;
        var tokenLoss = minimum(unclipped, clipped).neg();

        Tensor kl = zeros_like(tokenLoss);
        if (settings.KlBeta > 0 && referenceLogProbs is not null)
        {
            var delta = referenceLogProbs.Minus(logProbs);
            kl = delta.exp().Minus(delta).Minus(one) * batch.Mask;
            tokenLoss = tokenLoss.Plus(kl.mul(beta));
        }
        var loss = (tokenLoss * batch.TokenWeights * batch.Mask).sum();

        double tokens = Math.Max(1, batch.GeneratedTokens);
        using var noGrad = no_grad();
        var isClipped = ratio.lt(low).logical_or(ratio.gt(high)).to(ScalarType.Float32) * batch.Mask;
        var stats = new GrpoLossStats(
            loss.item<float>(),
            kl.sum().item<float>() / tokens,
            isClipped.sum().item<float>() / tokens,
            ratio.sum().item<float>() / tokens,
            (logProbs.Minus(batch.OldLogProbs).abs() * batch.Mask).sum().item<float>() / tokens);
        return (loss.MoveToOuterDisposeScope(), stats);
    }

    /// <summary>
    /// log π_T(target) at every position of the batch (masked positions hold junk and are weighted 0), with π_T the
    /// model's distribution at the batch's sampling temperature (as the sampler recorded it), in fp32 whatever the
    /// network's dtype: the ratio exp(log π − log π_old) is too coarse from bf16 log-probabilities.
    /// </summary>
    private static Tensor TokenLogProbs(LlamaForCausalLM model, GrpoBatch batch)
    {
        using var scope = NewDisposeScope();
        var logits = batch.TailPositions is null
            ? model.forward(batch.Inputs)
            : model.ForwardWithTails(batch.Inputs, batch.MainLength, batch.TailPositions, batch.TailMask!);
        var scores = logits.to(ScalarType.Float32);
        if (batch.SamplingTemperature != 1f)
        {
            using var temperature = batch.SamplingTemperature.ToScalar();
            scores = scores.div(temperature);
        }
        return scores.log_softmax(-1).gather(-1, batch.Targets.unsqueeze(-1)).squeeze(-1).MoveToOuterDisposeScope();
    }
}
