namespace AprOrleans.Trainer.Sft;

/// <summary>Linear warmup to the peak rate, then cosine decay to zero at the last step (paper: lr 5e-5 cosine).</summary>
public sealed record LearningRateSchedule(double Peak, int WarmupSteps, int TotalSteps)
{
    /// <summary>The rate used for step <paramref name="step"/> (1-based).</summary>
    public double At(int step)
    {
        if (WarmupSteps > 0 && step <= WarmupSteps) return Peak * step / WarmupSteps;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return Peak * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
