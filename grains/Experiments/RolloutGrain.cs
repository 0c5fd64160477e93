using System.Diagnostics;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;
using AprOrleans.Grains.Batching;
using AprOrleans.Grains.Decoding;
using AprOrleans.Grains.Solving;
using AprOrleans.Interfaces.Experiments;
using AprOrleans.Reasoning.Runtime;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// Produces one GRPO group: the group's deterministic problem, sampled G times concurrently with the spawn/join
/// runtime over this silo's batchers, each tree judged by the exact checker, stored once.
///
/// Start-then-poll: a group outlives Orleans' 30 s call timeout, so <see cref="Produce"/> starts the work in
/// the background of the activation and only waits a bounded time for it; the experiment calls again until the
/// group is stored. That keeps every call short (a dead silo shows up within one wait as a failed call, and the
/// next call re-activates the grain on a live silo, which reruns the group with the same seeds) instead of one
/// call with a long ResponseTimeout that would hide a dead silo for as long as the timeout.
///
/// Placement is random rather than local: the experiment grain is the only caller, so local placement would put
/// every group of the farm on the experiment's silo; random placement spreads the groups (and their decoding on
/// each silo's own batchers) over the cluster.
/// </summary>
[RandomPlacement, Reentrant]
public sealed partial class RolloutGrain(
    [PersistentState("rollout", StorageNames.Solves)] IPersistentState<RolloutState> state,
    LocalBatchers batchers,
    ILocalSiloDetails silo,
    ILogger<RolloutGrain> logger) : Grain, IRolloutGrain
{
    private static readonly CountdownTokenizer Tokenizer = CountdownTokenizer.Default;
    private readonly CancellationTokenSource _stopping = new();
    private Task<RolloutGroupRecord>? _run;

    public async Task<RolloutProgress> Produce(RolloutSpec spec, TimeSpan wait)
    {
        if (state.State.Group is { } stored) return new RolloutProgress(GroupRecords.Summary(stored), null);
        if (spec.Key != this.GetPrimaryKeyString())
            throw new ArgumentException($"rollout '{this.GetPrimaryKeyString()}' was asked to produce group '{spec.Key}'");
        // No DelayDeactivation: the experiment polls at least every ProduceWait, so a running group is never idle.
        if (_run is null || _run.IsFaulted || _run.IsCanceled) _run = RunAsync(spec, _stopping.Token);
        await Task.WhenAny(_run, Task.Delay(wait < TimeSpan.FromSeconds(20) ? wait : TimeSpan.FromSeconds(20)));
        if (_run.IsCompletedSuccessfully) return new RolloutProgress(GroupRecords.Summary(_run.Result), null);
        if (_run.IsFaulted) return new RolloutProgress(null, _run.Exception!.GetBaseException().Message);
        return new RolloutProgress(null, null);
    }

    public Task<RolloutGroupRecord?> GetGroup() => Task.FromResult(state.State.Group);

    public async Task Forget()
    {
        _stopping.Cancel();
        // Clearing keeps a row without payload (the storage's tombstone); the group's bytes are gone.
        if (state.RecordExists) await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // An unfinished group is dropped here and rerun (same seeds) by the next activation.
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task<RolloutGroupRecord> RunAsync(RolloutSpec rollout, CancellationToken cancellationToken)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            var spec = rollout.Config;
            var problem = RolloutSeeds.Problem(spec.Numbers, spec.ProblemSeed, rollout.Step, rollout.Index, spec.RequiredOperation(rollout.Index));
            var limits = spec.Limits.FromWire();
            var prompt = TraceFormat.ThreadPrompt(SearchNode.Root(problem.Nums, problem.Target));
            var sampling = spec.Sampling.FromWire();
            var trees = await AllOrNothing.RunAsync(spec.GroupSize, (g, treeCancellation) =>
                new SpawnJoinRuntime(new BatcherDecoder(batchers, null, Tokenizer), Tokenizer, limits)
                    .RunAsync(prompt, sampling with { Seed = RolloutSeeds.Trajectory(spec.Sampling.Seed, rollout.Step, rollout.Index, g) }, treeCancellation),
                cancellationToken);
            var group = new RolloutGroupRecord(
                rollout.Step, rollout.Index, [.. problem.Nums], problem.Target,
                [.. trees.Select(root => GroupRecords.Trajectory(problem, root))],
                clock.Elapsed.TotalSeconds, silo.Name, DateTimeOffset.UtcNow);
            cancellationToken.ThrowIfCancellationRequested();
            state.State = new RolloutState { Group = group };
            await state.WriteStateAsync();
            return group;
        }
        catch (Exception e)
        {
            // Not stored: the next Produce starts it again, and the experiment shows the error meanwhile.
            state.State = new RolloutState();
            if (e is not OperationCanceledException) LogFailed(e, rollout.Key);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollout {Rollout} failed; it will be retried")]
    private partial void LogFailed(Exception error, string rollout);
}
