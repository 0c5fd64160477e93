namespace AprOrleans.Trainer.Sft;

/// <summary>What one optimizer step did.</summary>
public sealed record SftStepResult(int Step, double Loss, double LearningRate, double GradNorm, int Rows, int RealTokens, int PaddedTokens);
