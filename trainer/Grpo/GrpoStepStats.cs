namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// The trainer-side metrics of one GRPO step (DESIGN §8): loss, KL to the reference, the sampler-vs-trainer
/// log-prob gap and clip fraction (both measured before the step's first update, where the policy still equals
/// the weights that sampled), what was trained on, the padded positions one pass over the step's micro-batches
/// costs, and the time taken.
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
    double TrainSeconds,
    long PaddedTokens = 0,
    long RowTokens = 0)
{
    /// <summary>Share of the forwards' positions that were padding (0 for steps saved before this was recorded).</summary>
    public double PaddingFraction => PaddedTokens == 0 ? 0 : 1 - (double)RowTokens / PaddedTokens;

    public double ZeroAdvantageFraction => Groups == 0 ? 0 : (double)ZeroVarianceGroups / Groups;
}
