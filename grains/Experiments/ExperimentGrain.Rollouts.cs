using AprOrleans.Interfaces.Experiments;
using Microsoft.Extensions.Logging;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// The experiment's rollout loop: step after step as rollout_ahead allows, each group by its rollout grain, every
/// stored group checkpointed in the experiment's state as it arrives.
/// </summary>
public sealed partial class ExperimentGrain
{
    /// <summary>Groups of one step produced at once by one experiment.</summary>
    private const int ConcurrentGroups = 32;
    private static readonly TimeSpan ProduceWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

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
        var rollout = new RolloutSpec(Name, step, index, S.Spec!);
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
                // Progress only, not written: the group itself is stored by its rollout grain, which answers at once
                // after a crash, so rewriting this state (history included) per group would buy nothing.
                if (S.RolloutStepsReady == step && S.Produced.TryAdd(index, summary))
                {
                    ExperimentMetrics.GroupStored(Name);
                    Notify();
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: producing step {Step} failed; retrying")]
    private partial void LogLoopFailed(Exception error, string experiment, int step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rollout {Rollout}: the call failed (its silo may be gone); retrying")]
    private partial void LogRolloutCallFailed(Exception error, string rollout);
}
