namespace AprOrleans.Tests.Service.Experiments;

/// <summary>
/// The experiment's reminder alone restarts production: a cluster stops while a step is in production, a new
/// cluster with the same service id starts, and nobody calls the experiment, yet its groups get produced.
/// </summary>
public sealed class ExperimentReminderTests
{
    [Fact]
    public async Task A_running_experiment_resumes_on_a_new_cluster_without_any_call()
    {
        var serviceId = "rem-" + Guid.NewGuid().ToString("N")[..12];
        const string name = "reminded";
        var dying = new DyingDecoderFactory();
        await using (var first = await TestCluster.StartAsync(["silo-a"], serviceId, adminToken: ExperimentCalls.Token, decodersFor: _ => dying))
        {
            var calls = new ExperimentCalls(first.Silos[0].Channel, ExperimentCalls.Token);
            await calls.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 1, rolloutAhead: 0));
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (dying.Requests == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "no rollout started");
                await Task.Delay(100);
            }
            // The step cannot finish on this cluster: its only device dies and the cluster stops.
            dying.Kill();
        }
        Assert.Empty(await StoredRollouts.VersionsAsync(serviceId));

        var healthy = new SearchScriptDecoderFactory();
        await using var second = await TestCluster.StartAsync(["silo-b"], serviceId, adminToken: ExperimentCalls.Token, decodersFor: _ => healthy);
        // No call reaches the experiment: only its reminder (stored in PostgreSQL) can re-activate it.
        var wait = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while ((await StoredRollouts.VersionsAsync(serviceId)).Count < 2)
        {
            Assert.True(DateTime.UtcNow < wait, "the reminder never restarted the experiment's rollouts");
            await Task.Delay(500);
        }
        var calls2 = new ExperimentCalls(second.Silos[0].Channel, ExperimentCalls.Token);
        var groups = await calls2.PullAsync(name, 0);
        Assert.Equal(new[] { 0, 1 }, groups.Select(g => g.Index));
    }
}
