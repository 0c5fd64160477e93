namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// The first step of a run checks that the silos sampled with the model the trainer starts from. GRPO's ratios
/// compare the trainer's log-probs with the sampler's; if the silos serve another checkpoint (say the shipped tiny
/// model while <c>--init</c> is a small one trained in the cluster), every ratio is meaningless and the first
/// publish would be refused anyway. The sampler gap (mean |log p_trainer − log p_sampler| over generated tokens,
/// before any update) is ~1e-4 when the models agree (fp32 on both sides) and a few hundredths with bf16 serving;
/// another model gives tenths to several nats.
/// </summary>
public static class StartingPolicyCheck
{
    public const double DefaultMaxGap = 0.1;

    /// <summary>Throws before the step is saved or published when the first step's gap says the models differ.</summary>
    public static void Verify(GrpoStepStats firstStep, double maxGap, string initPath)
    {
        if (firstStep.TrajectoriesUsed == 0 || firstStep.SamplerGap <= maxGap) return;
        throw new GrpoRunException(
            $"the silos did not sample with --init {initPath}: the mean log-prob gap between the rollouts and that model is " +
            $"{firstStep.SamplerGap:F3} nats (at most {maxGap} expected). Serve the same checkpoint on the silos (Apr:Checkpoint) " +
            "before starting the experiment, or raise --max-start-gap if this gap is expected (e.g. lower-precision serving). " +
            "Nothing was saved, published or reported for this step.");
    }
}
