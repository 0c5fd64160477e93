namespace AprOrleans.Interfaces.Experiments;

/// <summary>
/// One step's metrics (training.proto's StepMetrics, DESIGN §8): the rollout side is filled by the silo when the
/// step's groups are complete, the trainer side comes with ReportStep. Stored in the experiment's history.
/// </summary>
[GenerateSerializer, Alias("apr.StepMetricsRecord")]
public sealed class StepMetricsRecord
{
    [Id(0)] public int Step { get; set; }
    [Id(1)] public double RewardMean { get; set; }
    [Id(2)] public double Accuracy { get; set; }
    [Id(3)] public double ZeroAdvantageFraction { get; set; }
    [Id(4)] public double ChildrenPerSpawn { get; set; }
    [Id(5)] public double SequentialTokens { get; set; }
    [Id(6)] public double TotalTokens { get; set; }
    [Id(7)] public double RolloutSeconds { get; set; }
    [Id(8)] public long OldestWeightVersion { get; set; }
    [Id(9)] public double Loss { get; set; }
    [Id(10)] public double Kl { get; set; }
    [Id(11)] public double SamplerGap { get; set; }
    [Id(12)] public double ClipFraction { get; set; }
    [Id(13)] public double TrainSeconds { get; set; }
    [Id(14)] public double PublishSeconds { get; set; }
    [Id(15)] public double WeightSyncSeconds { get; set; }
    [Id(16)] public int TrajectoriesUsed { get; set; }
    [Id(17)] public long WeightVersion { get; set; }
    [Id(18)] public DateTimeOffset CompletedAt { get; set; }

    /// <summary>These rollout-side fields with <paramref name="trainer"/>'s trainer-side fields.</summary>
    public StepMetricsRecord WithTrainer(StepMetricsRecord trainer, long weightVersion, DateTimeOffset completedAt) => new()
    {
        Step = Step,
        RewardMean = RewardMean,
        Accuracy = Accuracy,
        ZeroAdvantageFraction = ZeroAdvantageFraction,
        ChildrenPerSpawn = ChildrenPerSpawn,
        SequentialTokens = SequentialTokens,
        TotalTokens = TotalTokens,
        RolloutSeconds = RolloutSeconds,
        OldestWeightVersion = OldestWeightVersion,
        Loss = trainer.Loss,
        Kl = trainer.Kl,
        SamplerGap = trainer.SamplerGap,
        ClipFraction = trainer.ClipFraction,
        TrainSeconds = trainer.TrainSeconds,
        PublishSeconds = trainer.PublishSeconds,
        WeightSyncSeconds = trainer.WeightSyncSeconds,
        TrajectoriesUsed = trainer.TrajectoriesUsed,
        WeightVersion = weightVersion,
        CompletedAt = completedAt,
    };
}
