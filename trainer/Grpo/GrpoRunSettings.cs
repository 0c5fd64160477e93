using AprOrleans.Reasoning.Rl;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// Everything that shapes a GRPO run of the trainer (DESIGN §8). Saved in every checkpoint so that
/// <c>--resume</c> continues the same run; the silo address and token are not saved (they may change).
/// </summary>
public sealed record GrpoRunSettings
{
    public string Experiment { get; init; } = "";
    /// <summary>The model the run starts from (the SFT checkpoint); also the KL reference.</summary>
    public string InitPath { get; init; } = "";
    public string Out { get; init; } = "runs/grpo";
    public string Device { get; init; } = "cpu";
    /// <summary><see cref="TrainingPrecision"/>: fp32 or bf16; null = the device's default (bf16 on CUDA).</summary>
    public string? Precision { get; init; }
    /// <summary>The paper's GRPO learning rate.</summary>
    public double LearningRate { get; init; } = 1e-5;
    public double WeightDecay { get; init; }
    public double GradClip { get; init; } = 1.0;
    /// <summary><c>grpo</c> (the paper), <c>drgrpo</c> (no std in the advantage) or <c>dapo</c>.</summary>
    public string Variant { get; init; } = "grpo";
    public double KlBeta { get; init; } = 0.001;
    public int InnerUpdates { get; init; } = 2;
    /// <summary>Trajectories with a token older than (current version − bound) are skipped; null = no bound.</summary>
    public int? StalenessBound { get; init; }
    /// <summary>Tokens (rows × width) per forward/backward; a step's batch is split into micro-batches of this size.</summary>
    public int MicroBatchTokens { get; init; } = 32768;
    public int Seed { get; init; } = 1;
    /// <summary>
    /// The dtype of the weights published to the silos: <c>fp32</c> (the master weights) or <c>bf16</c>, half the
    /// bytes, for silos that serve bf16 anyway (CUDA); the trainer keeps fp32 either way.
    /// </summary>
    public string PublishDType { get; init; } = "fp32";
    /// <summary>The largest sampler gap the first step of a run accepts (<see cref="StartingPolicyCheck"/>).</summary>
    public double MaxStartGap { get; init; } = StartingPolicyCheck.DefaultMaxGap;

    public static IReadOnlyList<string> PublishDTypes { get; } = ["fp32", "bf16"];

    public string EffectivePrecision => TrainingPrecision.Resolve(Precision, Device);

    public static IReadOnlyList<string> Variants { get; } = ["grpo", "drgrpo", "dapo"];

    /// <summary>The objective's settings for this run's variant.</summary>
    public GrpoSettings Objective => Variant switch
    {
        "dapo" => GrpoSettings.Dapo with { KlBeta = KlBeta, InnerUpdates = InnerUpdates, StalenessBound = StalenessBound },
        "drgrpo" => GrpoSettings.Paper with { DrGrpo = true, KlBeta = KlBeta, InnerUpdates = InnerUpdates, StalenessBound = StalenessBound },
        _ => GrpoSettings.Paper with { KlBeta = KlBeta, InnerUpdates = InnerUpdates, StalenessBound = StalenessBound },
    };
}
