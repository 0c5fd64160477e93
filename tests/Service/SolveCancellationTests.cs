using AprOrleans.Api;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace AprOrleans.Tests.Service;

/// <summary>
/// A Solve whose deadline passes (or whose client cancels) is cancelled all the way down: the solve grain stops its
/// tree, the cancellation reaches the batcher's decoder (which frees the sequence: DecodeCancellationTests), the
/// solve is stored as cancelled, and the same request started again runs to the end.
/// </summary>
public class SolveCancellationTests
{
    [Fact]
    public async Task A_passed_deadline_cancels_the_solve_down_to_the_decoder()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], storage: "memory");
        cluster.Decoders.Gate = new SemaphoreSlim(0);
        var solver = cluster["silo-a"].Solver;
        var request = SolveEndToEndTests.ValidRequest();
        request.SolveId = Guid.NewGuid().ToString();

        using var stream = solver.SolveStream(request, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(3)));
        var received = new List<SolveEvent>();
        var ended = await Assert.ThrowsAsync<RpcException>(async () => { while (await stream.ResponseStream.MoveNext()) received.Add(stream.ResponseStream.Current); });
        Assert.Equal(StatusCode.DeadlineExceeded, ended.StatusCode);
        Assert.DoesNotContain(received, e => e.Result is not null);

        // The decode waiting at the gate saw the cancellation, and the solve is stored as cancelled.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cluster.Decoders.CancelledDecodes == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(cluster.Decoders.CancelledDecodes > 0, "the cancellation never reached the decoder");
        RpcException cancelled;
        do
        {
            cancelled = await Assert.ThrowsAsync<RpcException>(() => solver.GetSolveAsync(new GetSolveRequest { SolveId = request.SolveId }).ResponseAsync);
        } while (cancelled.Status.Detail.Contains("still running") && DateTime.UtcNow < deadline && await Delay());
        Assert.Equal(StatusCode.FailedPrecondition, cancelled.StatusCode);
        Assert.Contains("was cancelled", cancelled.Status.Detail);

        // The same request again runs from the start, to the end.
        cluster.Decoders.Gate.Release(1000);
        var again = await solver.SolveAsync(request, SolveEndToEndTests.Deadline());
        Assert.True(again.Correct);
    }

    [Fact]
    public async Task A_solve_two_clients_watch_runs_on_when_one_of_them_leaves()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], storage: "memory");
        cluster.Decoders.Gate = new SemaphoreSlim(0);
        var solver = cluster["silo-a"].Solver;
        var request = SolveEndToEndTests.ValidRequest();
        request.SolveId = Guid.NewGuid().ToString();

        var staying = solver.SolveAsync(request, SolveEndToEndTests.Deadline());
        // The staying client's call has started the solve (its tree is decoding) before the second client joins: a call
        // detaches only after its own Start, so the solve then always has the staying watcher when the other leaves.
        var started = DateTime.UtcNow.AddMinutes(1);
        while (cluster.Decoders.GatedDecodes == 0 && DateTime.UtcNow < started) await Task.Delay(20);
        Assert.True(cluster.Decoders.GatedDecodes > 0, "the first solve never started decoding");
        using var leaving = new CancellationTokenSource();
        var left = solver.SolveAsync(request, new CallOptions(deadline: DateTime.UtcNow.AddMinutes(2), cancellationToken: leaving.Token));
        await Task.Delay(500);
        leaving.Cancel();
        Assert.Equal(StatusCode.Cancelled, (await Assert.ThrowsAsync<RpcException>(() => left.ResponseAsync)).StatusCode);
        await Task.Delay(500);

        cluster.Decoders.Gate.Release(1000);
        Assert.True((await staying.ResponseAsync).Correct);
        Assert.Equal(0, cluster.Decoders.CancelledDecodes);
    }

    [Fact]
    public async Task A_call_that_times_out_is_cancelled_in_its_callee()
    {
        // Orleans leaves a timed-out call running in its callee unless told otherwise; a timed-out decode would then
        // keep its engine slot and generate tokens nobody reads. The grain cancels it like a caller's cancellation.
        await using var cluster = await TestCluster.StartAsync(["silo-a"], storage: "memory");
        var messaging = cluster["silo-a"].App.Services.GetRequiredService<IOptions<SiloMessagingOptions>>().Value;
        Assert.True(messaging.CancelRequestOnTimeout);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(50);
        return true;
    }
}
