namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// The trainer-side metrics of one GRPO step (DESIGN §8): loss, KL to the reference, the sampler-vs-trainer
/// log-prob gap and clip fraction (both measured before the step's first update, where the policy still equals
/// the weights that sampled), what was trained on, and the time taken.
/// </summary>
public sealed record GrpoStepStats(
    int Step,
    double Loss,
    double Kl,
    double SamplerGap,
    double ClipFraction,
    int TrajectoriesUsed,
    int Groups,
    int ZeroVarianceGroups,
    int StaleTrajectories,
    long GeneratedTokens,
    double TrainSeconds)
{
    public double ZeroAdvantageFraction => Groups == 0 ? 0 : (double)ZeroVarianceGroups / Groups;
}
