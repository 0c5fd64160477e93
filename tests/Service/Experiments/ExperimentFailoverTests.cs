using AprOrleans.Interfaces.Experiments;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>
/// Two real silos: silo-b's batcher hangs and then dies (its device is gone) and silo-b stops mid-step. The
/// rollouts placed on silo-b are rescheduled on silo-a, and the step completes with every group stored once.
/// </summary>
public sealed class ExperimentFailoverTests
{
    [Fact]
    public async Task Rollouts_of_a_dead_batcher_are_rescheduled_on_the_other_silo()
    {
        var healthy = new SearchScriptDecoderFactory();
        var dying = new DyingDecoderFactory();
        await using var cluster = await TestCluster.StartAsync(
            ["silo-a", "silo-b"], adminToken: ExperimentCalls.Token,
            decodersFor: silo => silo == "silo-b" ? dying : healthy);
        var calls = new ExperimentCalls(cluster["silo-a"].Channel, ExperimentCalls.Token);
        const string name = "failover";
        // 12 groups placed at random over two silos: some land on silo-b (all on silo-a has odds 1 in 4096).
        await calls.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 12, groupSize: 2, maxSteps: 1, rolloutAhead: 0));

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (dying.Requests == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no rollout was ever placed on silo-b");
            await Task.Delay(100);
        }
        // Mid-step: silo-b's rollouts cannot finish while its batcher hangs.
        var midStep = await calls.GetAsync(name);
        Assert.Equal(0, midStep.RolloutStepsReady);
        dying.Kill();
        await cluster.StopSiloAsync("silo-b");

        var groups = await calls.PullAsync(name, 0);

        Assert.Equal(Enumerable.Range(0, 12), groups.Select(g => g.Index));
        Assert.All(groups, g => Assert.Equal(2, g.Trajectories.Count));
        foreach (var index in Enumerable.Range(0, 12))
        {
            var stored = await cluster["silo-a"].Grains.GetGrain<IRolloutGrain>(RolloutSpec.RolloutKey(name, 0, index)).GetGroup();
            Assert.NotNull(stored);
            Assert.Equal("silo-a", stored.SiloName);
        }
        // The problems silo-b was asked to decode were produced on silo-a instead.
        Assert.NotEmpty(dying.Seen);
        Assert.All(dying.Seen, context => Assert.Contains(context, healthy.Seen));
        var experiment = await calls.GetAsync(name);
        Assert.Equal(1, experiment.RolloutStepsReady);
        Assert.Equal(0, experiment.Step);
    }
}
