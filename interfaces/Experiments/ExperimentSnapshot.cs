namespace AprOrleans.Interfaces.Experiments;

/// <summary>What an experiment grain reports (training.proto's Experiment). <see cref="Revision"/> grows with every change.</summary>
[GenerateSerializer, Immutable, Alias("apr.ExperimentSnapshot")]
public sealed record ExperimentSnapshot(
    [property: Id(0)] string Name,
    [property: Id(1)] ExperimentSpec? Spec,
    [property: Id(2)] ExperimentState Status,
    [property: Id(3)] int Step,
    [property: Id(4)] long BaseVersion,
    [property: Id(5)] long WeightVersion,
    [property: Id(6)] int RolloutStepsReady,
    [property: Id(7)] int GroupsReady,
    [property: Id(8)] string? Error,
    [property: Id(9)] StepMetricsRecord? Latest,
    [property: Id(10)] DateTimeOffset UpdatedAt,
    [property: Id(11)] long Revision);

/// <summary>Why an experiment call changed nothing; the API maps each to its gRPC status.</summary>
[GenerateSerializer, Alias("apr.ExperimentFault")]
public enum ExperimentFault
{
    None = 0,
    NotFound = 1,
    AlreadyExists = 2,
    FailedPrecondition = 3,
    InvalidArgument = 4,
}

/// <summary>An experiment call's answer: the snapshot, or the fault and a one-line reason.</summary>
[GenerateSerializer, Immutable, Alias("apr.ExperimentReply")]
public sealed record ExperimentReply(
    [property: Id(0)] ExperimentSnapshot Snapshot,
    [property: Id(1)] ExperimentFault Fault,
    [property: Id(2)] string? Message)
{
    public static ExperimentReply Ok(ExperimentSnapshot snapshot) => new(snapshot, ExperimentFault.None, null);
}
