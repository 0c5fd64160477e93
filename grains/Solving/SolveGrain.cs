using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;
using AprOrleans.Grains.Batching;
using AprOrleans.Grains.Decoding;
using AprOrleans.Interfaces.Solving;
using AprOrleans.Reasoning.Runtime;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Placement;

namespace AprOrleans.Grains.Solving;

/// <summary>
/// Runs one spawn/join tree in the background of its activation and persists the outcome. Placed on the silo
/// that received the request (so its decodes go to that silo's batchers); reentrant so polls are answered
/// while the tree runs. It counts the clients watching it (each <see cref="Start"/> is one, each
/// <see cref="Detach"/> one fewer) and cancels the tree when the last one leaves before the end.
/// </summary>
[PreferLocalPlacement, Reentrant]
public sealed partial class SolveGrain(
    [PersistentState("solve", StorageNames.Solves)] IPersistentState<SolveState> state,
    LocalBatchers batchers,
    ILogger<SolveGrain> logger) : Grain, ISolveGrain
{
    private static readonly CountdownTokenizer Tokenizer = CountdownTokenizer.Default;
    private SegmentLog _segments = new();
    private TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _run;
    private int _watchers;
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);
    private const string CancelledReason = "every client's call ended (deadline or cancellation) before it finished";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Status == SolveStatus.Running)
        {
            // Stored as running but nothing runs it here: the silo that ran it stopped before it finished. A client
            // retrying the same request (same solve_id) runs it again; one only polling is told to retry.
            state.State.Status = SolveStatus.Interrupted;
            state.State.Error = "its silo stopped before it finished";
        }
        // Only an ended solve has a closed log. A fresh activation (Unknown) must keep it open for the solve that
        // Start is about to run: a closed log makes every Poll return at once, and long-polling clients spin.
        if (state.State.Status is SolveStatus.Done or SolveStatus.Failed or SolveStatus.Cancelled or SolveStatus.Interrupted) End();
        return Task.CompletedTask;
    }

    public async Task<SolveSnapshot> Start(SolveSpec spec)
    {
        if (state.State.Status != SolveStatus.Unknown)
        {
            // A retry of the same request joins the solve; a different request under a used id is a client bug.
            if (state.State.Spec is { } started && !started.SameRequest(spec))
                throw new ArgumentException($"solve {this.GetPrimaryKey()} was started with a different request");
            // A cancelled or interrupted solve left nothing worth keeping: the same request runs it again, from the start.
            if (state.State.Status is not (SolveStatus.Cancelled or SolveStatus.Interrupted))
            {
                if (state.State.Status == SolveStatus.Running) _watchers++;
                return Snapshot(0);
            }
            _segments = new SegmentLog();
            _ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        state.State = new SolveState { Spec = spec, Status = SolveStatus.Running, CreatedAt = DateTimeOffset.UtcNow };
        await state.WriteStateAsync();
        // A running tree must not be collected as idle when its client stops polling.
        DelayDeactivation(TimeSpan.FromHours(1));
        _watchers = 1;
        _run = new CancellationTokenSource();
        _ = RunAsync(spec, _run.Token);
        return Snapshot(0);
    }

    public Task Detach()
    {
        if (state.State.Status == SolveStatus.Running && --_watchers <= 0) _run?.Cancel();
        return Task.CompletedTask;
    }

    public async Task<SolveSnapshot> Poll(int seen, TimeSpan wait)
    {
        if (state.State.Status == SolveStatus.Running)
            await _segments.WaitAsync(seen, wait < MaxWait ? wait : MaxWait);
        return Snapshot(seen);
    }

    public async Task<SolveSnapshot> WaitForEnd(TimeSpan wait)
    {
        if (state.State.Status == SolveStatus.Running)
            await Task.WhenAny(_ended.Task, Task.Delay(wait < MaxWait ? wait : MaxWait));
        return new SolveSnapshot(state.State.Status, [], state.State.Outcome, state.State.Error);
    }

    private void End()
    {
        _segments.Close();
        _ended.TrySetResult();
    }

    private SolveSnapshot Snapshot(int seen) =>
        new(state.State.Status, _segments.From(seen), state.State.Outcome, state.State.Error);

    private async Task RunAsync(SolveSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            var limits = spec.Limits.FromWire();
            var runtime = new SpawnJoinRuntime(new BatcherDecoder(batchers, _segments, Tokenizer), Tokenizer, limits);
            var prompt = TraceFormat.ThreadPrompt(SearchNode.Root(spec.Numbers, spec.Target));
            var root = await runtime.RunAsync(prompt, spec.Sampling.FromWire(), cancellationToken);
            state.State.Outcome = OutcomeBuilder.Build(new Problem(spec.Numbers, spec.Target), root);
            state.State.Status = SolveStatus.Done;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            state.State.Status = SolveStatus.Cancelled;
            state.State.Error = CancelledReason;
        }
        catch (Exception e)
        {
            LogFailed(e, this.GetPrimaryKey());
            state.State.Status = SolveStatus.Failed;
            state.State.Error = e.Message;
        }
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            // The outcome is still served from memory; only its durability is lost.
            LogNotPersisted(e, this.GetPrimaryKey());
        }
        End();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Solve {SolveId} failed")]
    private partial void LogFailed(Exception error, Guid solveId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Solve {SolveId} finished but its outcome was not persisted")]
    private partial void LogNotPersisted(Exception error, Guid solveId);
}
