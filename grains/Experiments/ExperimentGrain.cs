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
    /// <summary>Groups of one step produced at once by one experiment.</summary>
    private const int ConcurrentGroups = 32;
    private static readonly TimeSpan ProduceWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _changed = NewSignal();
    private Task? _loop;

    private ExperimentGrainState S => state.State;
    private string Name => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        EnsureLoop();
        return Task.CompletedTask;
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
            return S.Spec == spec
                ? Ok()
                : Fault(ExperimentFault.AlreadyExists, $"experiment '{Name}' exists with another config");
        }
        S.Spec = spec;
        S.Status = ExperimentState.Created;
        await PersistAsync();
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
        S.BaseVersion = S.WeightVersion = baseVersion;
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
        S.WeightVersion = weightVersion;
        if (S.Step >= S.Spec!.MaxSteps) S.Status = ExperimentState.Done;
        await PersistAsync();
        ExperimentMetrics.StepCompleted(Name, completed);
        if (S.Status == ExperimentState.Done) await StopReminderAsync();
        return Ok();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The tick itself re-activated the grain if its silo died (OnActivateAsync starts the loop); this covers a live one.
        EnsureLoop();
        return S.Status == ExperimentState.Running ? Task.CompletedTask : StopReminderAsync();
    }

    private void EnsureLoop()
    {
        if (S.Status == ExperimentState.Running && (_loop is null || _loop.IsCompleted))
            _loop = RunLoopAsync(_stopping.Token);
    }

    /// <summary>Produces step after step while running; waits for the trainer when rollout_ahead allows no further step.</summary>
    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && S.Status == ExperimentState.Running)
        {
            int next = S.RolloutStepsReady;
            if (next >= S.Spec!.MaxSteps) return;
            if (next > S.Step + S.Spec.RolloutAhead)
            {
                await Task.WhenAny(_changed.Task, Task.Delay(Timeout.Infinite, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
                continue;
            }
            try
            {
                await ProduceStepAsync(next, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogLoopFailed(e, Name, next);
                S.Error = e.Message;
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
    }

    private async Task ProduceStepAsync(int step, CancellationToken cancellationToken)
    {
        if (S.StepStartedAt is null)
        {
            S.StepStartedAt = DateTimeOffset.UtcNow;
            await PersistAsync();
        }
        using var slots = new SemaphoreSlim(ConcurrentGroups);
        var missing = Enumerable.Range(0, S.Spec!.ProblemsPerStep).Where(i => !S.Produced.ContainsKey(i)).ToList();
        await Task.WhenAll(missing.Select(async index =>
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                // Paused: in-flight groups finish, no new one starts.
                if (S.Status == ExperimentState.Running) await ProduceGroupAsync(step, index, cancellationToken);
            }
            finally
            {
                slots.Release();
            }
        }));
        if (S.Produced.Count < S.Spec.ProblemsPerStep || S.RolloutStepsReady != step) return;

        var elapsed = DateTimeOffset.UtcNow - S.StepStartedAt!.Value;
        S.Pending[step] = StepMetricsCalculator.Rollouts(step, S.Produced.Values, elapsed);
        S.RolloutStepsReady = step + 1;
        S.Produced = [];
        S.StepStartedAt = null;
        S.Error = null;
        await PersistAsync();
    }

    /// <summary>Calls the group's rollout grain until its group is stored; a failed call (dead silo, timeout) is retried, and lands on a live silo.</summary>
    private async Task ProduceGroupAsync(int step, int index, CancellationToken cancellationToken)
    {
        var spec = S.Spec!;
        var rollout = new RolloutSpec(Name, step, index, spec.Numbers, spec.ProblemSeed, spec.GroupSize, spec.Sampling, spec.Limits);
        var grain = GrainFactory.GetGrain<IRolloutGrain>(rollout.Key);
        while (!cancellationToken.IsCancellationRequested)
        {
            RolloutProgress progress;
            try
            {
                progress = await grain.Produce(rollout, ProduceWait);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                LogRolloutCallFailed(e, rollout.Key);
                S.Error = $"group {rollout.Key}: {e.Message}";
                await Task.Delay(RetryDelay, cancellationToken);
                continue;
            }
            if (progress.Done is { } summary)
            {
                if (S.RolloutStepsReady == step && S.Produced.TryAdd(index, summary))
                {
                    ExperimentMetrics.GroupStored(Name);
                    await PersistAsync();
                }
                return;
            }
            if (progress.Error is { } error)
            {
                S.Error = $"group {rollout.Key}: {error}";
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: producing step {Step} failed; retrying")]
    private partial void LogLoopFailed(Exception error, string experiment, int step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Rollout}: the call failed (its silo may be gone); retrying")]
    private partial void LogRolloutCallFailed(Exception error, string rollout);
}
