using AprOrleans.Api;
using AprOrleans.Silo.Api;
using Grpc.Core;

namespace AprOrleans.Tests.Service;

/// <summary>
/// What a client sees when silos die under its calls: a solve whose silo stopped before it finished is "interrupted"
/// (UNAVAILABLE, retry) and the same request runs it again; an Orleans fault inside any handler is UNAVAILABLE, not UNKNOWN.
/// </summary>
public class SolveInterruptionTests
{
    [Fact]
    public async Task A_solve_whose_silo_is_gone_is_interrupted_and_runs_again_when_called_again()
    {
        var serviceId = "interrupt-" + Guid.NewGuid().ToString("N")[..10];
        var request = SolveEndToEndTests.ValidRequest();
        request.SolveId = Guid.NewGuid().ToString();
        // Cluster A runs the solve and never finishes it (its decoder is held). Cluster B shares A's storage but not its
        // membership, so to B the solve is what a dead silo leaves behind: stored as running, run by nobody.
        await using var first = await TestCluster.StartAsync(["silo-a"], serviceId);
        first.Decoders.Gate = new SemaphoreSlim(0);
        using var running = first["silo-a"].Solver.SolveAsync(request, SolveEndToEndTests.Deadline());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (first.Decoders.Created == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(first.Decoders.Created > 0, "the solve never reached a decoder");

        await using var second = await TestCluster.StartAsync(["silo-b"], serviceId);
        var solver = second["silo-b"].Solver;
        var interrupted = await Assert.ThrowsAsync<RpcException>(() => solver.GetSolveAsync(new GetSolveRequest { SolveId = request.SolveId }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, interrupted.StatusCode);
        Assert.Contains("was interrupted", interrupted.Status.Detail);
        Assert.True((await solver.SolveAsync(request, SolveEndToEndTests.Deadline())).Correct);
    }

    [Theory]
    [InlineData(typeof(Orleans.Runtime.SiloUnavailableException))]
    [InlineData(typeof(Orleans.Runtime.OrleansException))]
    [InlineData(typeof(TimeoutException))]
    public async Task A_cluster_fault_in_a_handler_is_unavailable(Type fault)
    {
        var thrown = (Exception)Activator.CreateInstance(fault, "Unable to connect to S127.0.0.1:11111")!;
        var interceptor = new ClusterFaultInterceptor();
        var mapped = await Assert.ThrowsAsync<RpcException>(() =>
            interceptor.UnaryServerHandler<SolveRequest, SolveResponse>(new SolveRequest(), null!, (_, _) => throw thrown));
        Assert.Equal(StatusCode.Unavailable, mapped.StatusCode);
        Assert.Contains(fault.Name, mapped.Status.Detail);
        // Anything else is left alone: a bug stays visible as what it is.
        var other = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            interceptor.UnaryServerHandler<SolveRequest, SolveResponse>(new SolveRequest(), null!, (_, _) => throw new InvalidOperationException("bug")));
        Assert.Equal("bug", other.Message);
    }
}
