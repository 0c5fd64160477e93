using AprOrleans.Api;
using AprOrleans.Interfaces.Solving;
using Grpc.Core;

namespace AprOrleans.Silo.Api;

/// <summary>
/// The <c>Solver</c> gRPC service. A solve outlives Orleans' 30 s call timeout, so each handler starts the solve
/// grain and then long-polls it (each poll well under the timeout) until the tree is done or the client's
/// deadline or cancellation ends the call; then the handler detaches from the solve, which is cancelled (its
/// engine work freed) once no client watches it. Each solve is admitted first (<see cref="SolveAdmission"/>).
/// Its methods are bound by <see cref="SolverMethodProvider"/>.
/// </summary>
public sealed class SolverService(IGrainFactory grains, SolveAdmission admission, Hosting.SiloSettings settings)
{
    private static readonly TimeSpan PollWait = TimeSpan.FromSeconds(10);

    public async Task<SolveResponse> Solve(SolveRequest request, ServerCallContext context)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (id, spec) = SolveRequestValidator.Validate(request, settings.SolveTokenBounds);
        using var admitted = admission.Admit(spec.Limits.MaxTotalTokens);
        var grain = grains.GetGrain<ISolveGrain>(id);
        var snapshot = await StartAsync(grain, spec);
        await DetachWhenCallEndsAsync(grain, context, async () =>
        {
            while (snapshot.Status == SolveStatus.Running)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                snapshot = await grain.WaitForEnd(PollWait).WaitAsync(context.CancellationToken);
            }
        });
        var response = Finish(id, snapshot);
        SolveMetrics.Record(clock.Elapsed, response.Correct);
        return response;
    }

    public async Task SolveStream(SolveRequest request, IServerStreamWriter<SolveEvent> responseStream, ServerCallContext context)
    {
        var (id, spec) = SolveRequestValidator.Validate(request, settings.SolveTokenBounds);
        using var admitted = admission.Admit(spec.Limits.MaxTotalTokens);
        var grain = grains.GetGrain<ISolveGrain>(id);
        var snapshot = await StartAsync(grain, spec);
        await DetachWhenCallEndsAsync(grain, context, async () =>
        {
            int seen = 0;
            while (true)
            {
                foreach (var segment in snapshot.Segments)
                    await responseStream.WriteAsync(new SolveEvent { Segment = ResponseMapper.Segment(segment) }, context.CancellationToken);
                seen += snapshot.Segments.Count;
                if (snapshot.Status != SolveStatus.Running) break;
                context.CancellationToken.ThrowIfCancellationRequested();
                snapshot = await grain.Poll(seen, PollWait).WaitAsync(context.CancellationToken);
            }
        });
        await responseStream.WriteAsync(new SolveEvent { Result = Finish(id, snapshot) }, context.CancellationToken);
    }

    /// <summary>
    /// Runs the handler's wait (each poll stops waiting the moment the call ends, so the solve is detached at once,
    /// not at the poll's end up to 10 s later while its threads keep decoding); when the call's deadline passes or the client cancels first, tells the solve this
    /// client is gone (the solve then stops if no other client watches it) before the cancellation propagates.
    /// </summary>
    private static async Task DetachWhenCallEndsAsync(ISolveGrain grain, ServerCallContext context, Func<Task> watch)
    {
        try
        {
            await watch();
        }
        catch (Exception) when (context.CancellationToken.IsCancellationRequested)
        {
            await grain.Detach();
            throw;
        }
    }

    public async Task<SolveResponse> GetSolve(GetSolveRequest request, ServerCallContext context)
    {
        var id = SolveRequestValidator.SolveId(request.SolveId, "solve_id", allowEmpty: false);
        var snapshot = await grains.GetGrain<ISolveGrain>(id).Poll(int.MaxValue, TimeSpan.Zero);
        return snapshot.Status switch
        {
            SolveStatus.Unknown => throw new RpcException(new Status(StatusCode.NotFound, $"no solve with id {id}")),
            SolveStatus.Running => throw new RpcException(new Status(StatusCode.FailedPrecondition, $"solve {id} is still running")),
            SolveStatus.Cancelled or SolveStatus.Interrupted => throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"solve {id} was {snapshot.Status.ToString().ToLowerInvariant()} ({snapshot.Error}); start it again to run it")),
            _ => Finish(id, snapshot),
        };
    }

    private static async Task<SolveSnapshot> StartAsync(ISolveGrain grain, SolveSpec spec)
    {
        try
        {
            return await grain.Start(spec);
        }
        catch (ArgumentException e)
        {
            throw SolveRequestValidator.Invalid("solve_id", e.Message);
        }
    }

    private static SolveResponse Finish(Guid id, SolveSnapshot snapshot) => snapshot switch
    {
        { Status: SolveStatus.Done, Outcome: { } outcome } => ResponseMapper.Response(id, outcome),
        { Status: SolveStatus.Cancelled } => throw new RpcException(new Status(StatusCode.Cancelled, $"solve {id} was cancelled: {snapshot.Error}")),
        { Status: SolveStatus.Interrupted } => throw new RpcException(new Status(StatusCode.Unavailable,
            $"solve {id} was interrupted ({snapshot.Error}); call again with the same solve_id to run it again")),
        _ => throw new RpcException(new Status(StatusCode.Internal, $"solve {id} failed: {snapshot.Error ?? snapshot.Status.ToString()}")),
    };
}
