namespace AprOrleans.Reasoning.Rl;

/// <summary>
/// The APR GRPO recipe (DESIGN §8) and its switches. Defaults are the paper's: clip 0.2, k3 KL to the SFT model
/// with β 0.001, advantages (r − mean)/(std + 1e-10) shared by every segment of a trajectory, each trajectory's
/// loss divided by its number of segments, 2 inner updates.
/// </summary>
public sealed record GrpoSettings
{
    public double ClipLow { get; init; } = 0.2;
    /// <summary>Upper clip; DAPO raises it to 0.28 ("clip-higher").</summary>
    public double ClipHigh { get; init; } = 0.2;
    public double KlBeta { get; init; } = 0.001;
    /// <summary>Dr. GRPO: advantages are r − mean, not divided by the group's std.</summary>
    public bool DrGrpo { get; init; }
    /// <summary>DAPO: one loss over all tokens of the batch instead of per-segment means.</summary>
    public bool TokenLevelLoss { get; init; }
    /// <summary>DAPO: groups whose rewards are all equal carry no signal and are dropped.</summary>
    public bool DropZeroVarianceGroups { get; init; }
    /// <summary>Trajectories with tokens older than (current version − bound) are not trained on; null = no bound.</summary>
    public long? StalenessBound { get; init; }
    public int InnerUpdates { get; init; } = 2;

    public static GrpoSettings Paper { get; } = new();
    public static GrpoSettings Dapo { get; } = new() { ClipHigh = 0.28, TokenLevelLoss = true, DropZeroVarianceGroups = true };

    public string? Validate()
    {
        if (ClipLow is <= 0 or >= 1) return "clip low must be in (0, 1)";
        if (ClipHigh <= 0) return "clip high must be positive";
        if (KlBeta < 0) return "KL beta must be non-negative";
        if (InnerUpdates < 1) return "inner updates must be at least 1";
        if (StalenessBound is < 0) return "staleness bound must be non-negative";
        return null;
    }
}
