using AprOrleans.Interfaces.Experiments;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// One experiment (training.proto): persisted config, status, step, weight versions, metrics history and rollout
/// progress. While RUNNING, one background loop per activation produces the rollout groups of every step the
/// trainer may pull (step ≤ experiment.step + rollout_ahead), step by step, each group by a rollout grain. The
/// loop's units of work are idempotent (a stored group is returned, never recomputed) and their results are
/// checkpointed in this state, so a crash anywhere loses at most work in flight. A reminder re-activates the
/// grain (and so restarts the loop) after its silo died; every call into the grain does the same.
/// Reentrant: control calls and the trainer's report are served while the loop waits on rollouts; state is only
/// changed between awaits and written through one gate.
/// </summary>
[Reentrant]
public sealed partial class ExperimentGrain(
    [PersistentState("experiment", StorageNames.Solves)] IPersistentState<ExperimentGrainState> state,
    ILogger<ExperimentGrain> logger) : Grain, IExperimentGrain, IRemindable
{
    private const string ReminderName = "rollouts";

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _changed = NewSignal();
    private Task? _loop;

    private ExperimentGrainState S => state.State;
    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Status != ExperimentState.Unknown) await RegisterOnActivationAsync();
        EnsureLoop();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public async Task<ExperimentReply> Create(ExperimentSpec spec)
    {
        if (S.Status != ExperimentState.Unknown)
        {
            if (S.Spec != spec) return Fault(ExperimentFault.AlreadyExists, $"experiment '{Name}' exists with another config");
            // The repeat of a create whose registration failed registers it.
            await RegisterAsync();
            return Ok();
        }
        S.Spec = spec;
        S.Status = ExperimentState.Created;
        await PersistAsync();
        await RegisterAsync();
        return Ok();
    }

    public async Task<ExperimentReply> Start(long baseVersion)
    {
        switch (S.Status)
        {
            case ExperimentState.Unknown: return NotFound();
            case ExperimentState.Running: return Ok();
            case ExperimentState.Created: break;
            default: return Fault(ExperimentFault.FailedPrecondition, $"experiment '{Name}' is {S.Status}, not CREATED{(S.Status == ExperimentState.Paused ? " (use resume)" : "")}");
        }
        S.Status = ExperimentState.Running;
        S.BaseVersion = baseVersion;
        await PersistAsync();
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        EnsureLoop();
        return Ok();
    }

    public async Task<ExperimentReply> Pause()
    {
        switch (S.Status)
        {
            case ExperimentState.Unknown: return NotFound();
            case ExperimentState.Paused: return Ok();
            case ExperimentState.Running: break;
            default: return Fault(ExperimentFault.FailedPrecondition, $"experiment '{Name}' is {S.Status}, not RUNNING");
        }
        // Rollouts in flight finish and are kept; the loop starts no new ones and then ends.
        S.Status = ExperimentState.Paused;
        await PersistAsync();
        await StopReminderAsync();
        return Ok();
    }

    public async Task<ExperimentReply> Resume()
    {
        switch (S.Status)
        {
            case ExperimentState.Unknown: return NotFound();
            case ExperimentState.Running: return Ok();
            case ExperimentState.Paused: break;
            default: return Fault(ExperimentFault.FailedPrecondition, $"experiment '{Name}' is {S.Status}, not PAUSED");
        }
        S.Status = ExperimentState.Running;
        await PersistAsync();
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        EnsureLoop();
        return Ok();
    }

    public Task<ExperimentReply> Get() => Task.FromResult(S.Status == ExperimentState.Unknown ? NotFound() : Ok());

    public async Task<ExperimentReply> WaitForChange(long seenRevision, TimeSpan wait)
    {
        if (S.Revision == seenRevision)
            await Task.WhenAny(_changed.Task, Task.Delay(wait < TimeSpan.FromSeconds(20) ? wait : TimeSpan.FromSeconds(20)));
        return await Get();
    }

    public Task<IReadOnlyList<StepMetricsRecord>> GetHistory() => Task.FromResult<IReadOnlyList<StepMetricsRecord>>([.. S.History]);

    public async Task<ExperimentReply> ReportStep(int step, long weightVersion, StepMetricsRecord trainer)
    {
        if (S.Status == ExperimentState.Unknown) return NotFound();
        // Checks and the change happen before the first await, so a repeated report interleaved with this one sees the new step.
        if (step < S.Step) return Ok();
        if (S.Status == ExperimentState.Created)
            return Fault(ExperimentFault.FailedPrecondition, $"experiment '{Name}' has not been started");
        if (S.Status == ExperimentState.Done)
            return Fault(ExperimentFault.FailedPrecondition, $"experiment '{Name}' is done after {S.Step} steps");
        if (step > S.Step)
            return Fault(ExperimentFault.FailedPrecondition, $"step {step} is ahead of the experiment's step {S.Step}: report step {S.Step} first");
        if (S.RolloutStepsReady <= step || !S.Pending.TryGetValue(step, out var rollouts))
            return Fault(ExperimentFault.FailedPrecondition, $"the groups of step {step} are not all stored yet");
        long expected = S.BaseVersion + step + 1;
        if (weightVersion != expected)
            return Fault(ExperimentFault.InvalidArgument, $"weight_version {weightVersion} must be base_version + step + 1 = {expected}");

        var completed = rollouts.WithTrainer(trainer, weightVersion, DateTimeOffset.UtcNow);
        S.History.Add(completed);
        S.Pending.Remove(step);
        S.Step = step + 1;
        if (S.Step >= S.Spec!.MaxSteps) S.Status = ExperimentState.Done;
        await PersistAsync();
        ExperimentMetrics.StepCompleted(Name, completed);
        if (S.Status == ExperimentState.Done) await StopReminderAsync();
        return Ok();
    }

    public async Task<ExperimentReply> Delete()
    {
        switch (S.Status)
        {
            case ExperimentState.Unknown: return NotFound();
            case ExperimentState.Running:
                return Fault(ExperimentFault.FailedPrecondition, $"experiment '{Name}' is RUNNING: pause it first (its rollouts in flight finish), then delete it");
        }
        if (_loop is { IsCompleted: false })
            return Fault(ExperimentFault.FailedPrecondition, $"experiment '{Name}' still has rollouts started before the pause in flight; delete it when they have finished");
        var deleted = Ok();
        // Every group of every step that may have been produced (the loop works up to rollout_ahead steps past the
        // trainer's): stored ones are deleted, absent ones cost a no-op.
        int steps = Math.Max(S.RolloutStepsReady, S.Step + S.Spec!.RolloutAhead) + 1;
        var keys = Enumerable.Range(0, steps)
            .SelectMany(step => Enumerable.Range(0, S.Spec!.ProblemsPerStep).Select(index => RolloutSpec.RolloutKey(Name, step, index)));
        foreach (var batch in keys.Chunk(64))
            await Task.WhenAll(batch.Select(key => GrainFactory.GetGrain<IRolloutGrain>(key).Forget()));
        await StopReminderAsync();
        await _writeGate.WaitAsync();
        try
        {
            await state.ClearStateAsync();
        }
        finally
        {
            _writeGate.Release();
        }
        state.State = new ExperimentGrainState();
        Wake();
        await UnregisterAsync();
        DeactivateOnIdle();
        return deleted;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The tick itself re-activated the grain if its silo died (OnActivateAsync starts the loop); this covers a live one.
        EnsureLoop();
        return S.Status == ExperimentState.Running ? Task.CompletedTask : StopReminderAsync();
    }

    /// <summary>Writes the state (one write at a time) and wakes every waiter (Watch, PullGroups, the loop).</summary>
    private async Task PersistAsync()
    {
        S.Revision++;
        S.UpdatedAt = DateTimeOffset.UtcNow;
        await _writeGate.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _writeGate.Release();
        }
        Wake();
    }

    /// <summary>A change waiters must see (a new revision) that is not worth a write of its own.</summary>
    private void Notify()
    {
        S.Revision++;
        S.UpdatedAt = DateTimeOffset.UtcNow;
        Wake();
    }

    private void Wake()
    {
        (var signal, _changed) = (_changed, NewSignal());
        signal.TrySetResult();
    }

    private async Task StopReminderAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private ExperimentReply Ok() => ExperimentReply.Ok(Snapshot());

    private ExperimentReply NotFound() => Fault(ExperimentFault.NotFound, $"no experiment named '{Name}'");

    private ExperimentReply Fault(ExperimentFault fault, string message) => new(Snapshot(), fault, message);

    private ExperimentSnapshot Snapshot() => new(
        Name, S.Spec, S.Status, S.Step, S.BaseVersion, S.WeightVersion, S.RolloutStepsReady, S.Produced.Count,
        S.Error, S.History.Count == 0 ? null : S.History[^1], S.UpdatedAt, S.Revision);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
