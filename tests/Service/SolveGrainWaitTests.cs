using AprOrleans.Api;
using AprOrleans.Interfaces.Solving;
using AprOrleans.Silo.Api;

namespace AprOrleans.Tests.Service;

/// <summary>
/// The long-poll contract of a running solve: Poll and WaitForEnd wait for progress instead of answering at once.
/// (A fresh solve grain once started with its segment log closed, so every poll returned immediately and 200
/// polling clients spun the silo's CPU: the load benchmark's collapse.)
/// </summary>
public class SolveGrainWaitTests
{
    private static SolveSpec Spec() => SolveRequestValidator.Validate(SolveEndToEndTests.ValidRequest()).Spec;

    [Fact]
    public async Task A_poll_on_a_fresh_running_solve_waits_for_its_first_segment()
    {
        await using var cluster = await TestCluster.StartAsync(["solo"], storage: "memory");
        using var gate = new SemaphoreSlim(0);
        cluster.Decoders.Gate = gate;
        var grain = cluster["solo"].Grains.GetGrain<ISolveGrain>(Guid.NewGuid());
        Assert.Equal(SolveStatus.Running, (await grain.Start(Spec())).Status);

        var poll = grain.Poll(0, TimeSpan.FromSeconds(20));
        // Long enough for a poll that does not wait to come back empty; a waiting poll sees the segment.
        await Task.Delay(500);
        gate.Release();
        var snapshot = await poll;
        Assert.NotEmpty(snapshot.Segments);

        gate.Release(1000);
        var end = await grain.WaitForEnd(TimeSpan.FromSeconds(20));
        while (end.Status == SolveStatus.Running) end = await grain.WaitForEnd(TimeSpan.FromSeconds(20));
        Assert.Equal(SolveStatus.Done, end.Status);
        Assert.Empty(end.Segments);
        Assert.True(end.Outcome!.Correct);
    }

    [Fact]
    public async Task WaitForEnd_on_a_running_solve_waits_for_the_end()
    {
        await using var cluster = await TestCluster.StartAsync(["solo"], storage: "memory");
        using var gate = new SemaphoreSlim(0);
        cluster.Decoders.Gate = gate;
        var grain = cluster["solo"].Grains.GetGrain<ISolveGrain>(Guid.NewGuid());
        await grain.Start(Spec());

        var wait = grain.WaitForEnd(TimeSpan.FromSeconds(20));
        await Task.Delay(500);
        gate.Release(1000);
        Assert.Equal(SolveStatus.Done, (await wait).Status);
    }
}
