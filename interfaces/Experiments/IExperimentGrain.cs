namespace AprOrleans.Interfaces.Experiments;

/// <summary>
/// One GRPO experiment (key: its name): configuration, status, step, weight versions, the metrics history and
/// the rollout progress, persisted. While running, a background loop of its activation produces the rollout
/// groups of every step the trainer may pull (training.proto); a reminder restarts that loop after a crash.
/// </summary>
[Alias("apr.IExperimentGrain")]
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>Creates it; repeating the same create is a no-op, another config under the name is ALREADY_EXISTS.</summary>
    [Alias("create")]
    Task<ExperimentReply> Create(ExperimentSpec spec);

    /// <summary>CREATED → RUNNING, recording the registry's weight version as base_version.</summary>
    [Alias("start")]
    Task<ExperimentReply> Start(long baseVersion);

    [Alias("pause")]
    Task<ExperimentReply> Pause();

    [Alias("resume")]
    Task<ExperimentReply> Resume();

    [Alias("get")]
    Task<ExperimentReply> Get();

    /// <summary>Returns once the revision differs from <paramref name="seenRevision"/> or the wait ends (keep it under 30 s).</summary>
    [Alias("wait-change")]
    Task<ExperimentReply> WaitForChange(long seenRevision, TimeSpan wait);

    /// <summary>Every completed step's metrics, in step order.</summary>
    [Alias("history")]
    Task<IReadOnlyList<StepMetricsRecord>> GetHistory();

    /// <summary>The trainer finished <paramref name="step"/>; advances the step exactly once (see training.proto).</summary>
    [Alias("report-step")]
    Task<ExperimentReply> ReportStep(int step, long weightVersion, StepMetricsRecord trainer);

    /// <summary>
    /// Deletes the experiment and every rollout group it stored (training.proto). Refused while it runs (pause it
    /// first) or while rollouts started before the pause are still in flight; returns the experiment as it was.
    /// </summary>
    [Alias("delete"), ResponseTimeout("00:10:00")]
    Task<ExperimentReply> Delete();
}
