using AprOrleans.Api;
using AprOrleans.Tests.Client;
using Google.Protobuf;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>
/// The real silo process, killed with SIGKILL in the middle of producing a step and started again with the
/// same service id: the experiment resumes, every group is stored exactly once (its grain state written once,
/// a group pulled before the crash byte-identical after it) and the step count is exact.
/// </summary>
public sealed class ExperimentCrashTests(RandomCheckpoint checkpoint, ITestOutputHelper output) : IClassFixture<RandomCheckpoint>
{
    private const int Groups = 16;

    [Fact]
    public async Task Killed_silo_resumes_the_experiment_without_losing_or_duplicating_a_group()
    {
        var serviceId = "crash-" + Guid.NewGuid().ToString("N")[..12];
        var settings = SiloProcess.Settings(serviceId, checkpoint.Directory, ExperimentCalls.Token);
        const string name = "crash";
        var config = ExperimentCalls.Config(problemsPerStep: Groups, groupSize: 4, maxSteps: 3, rolloutAhead: 1);
        // The untrained model writes noise: bound each tree so a group takes a moment, not minutes.
        // (Within the micro model's 256 positions: one spawn of at most two children.)
        config.Limits = new Limits { MaxTokensPerThread = 120, MaxTotalTokens = 400, MaxChildrenPerSpawn = 2, MaxSpawnsPerThread = 1 };

        byte[][] step0;
        Experiment beforeKill;
        using (var first = await SiloProcess.StartAsync(settings))
        {
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{first.GrpcPort}");
            var calls = new ExperimentCalls(channel, ExperimentCalls.Token);
            await calls.CreateAndStartAsync(name, config);
            step0 = [.. (await calls.PullAsync(name, 0)).Select(g => g.ToByteArray())];
            Assert.Equal(1, (await calls.ReportAsync(name, 0, 1)).Step);
            // Steps 1 and 2 are now being produced; kill the silo while the last one is. Its groups decode in one
            // batch and are stored within moments of each other, so "some groups stored" is too brief a window to
            // wait for; the start of step 2 (step 1 stored) is not: a step of these small trees takes about a
            // second and a half on an idle machine, against a 20 ms poll.
            beforeKill = await calls.WaitUntilAsync(name, e => e.GroupsReady > 0 || e.RolloutStepsReady >= 2, poll: TimeSpan.FromMilliseconds(20));
            await first.KillAsync();
            output.WriteLine($"killed with step {beforeKill.Step}, rollout steps ready {beforeKill.RolloutStepsReady}, groups ready {beforeKill.GroupsReady}");
            // The kill hit a step in production (steps 1 and 2 were not both stored yet).
            Assert.True(beforeKill.RolloutStepsReady < 3, $"the rollouts finished before the kill: {beforeKill}");
        }

        using var second = await SiloProcess.StartAsync(settings);
        using (var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{second.GrpcPort}"))
        {
            var calls = new ExperimentCalls(channel, ExperimentCalls.Token);
            var resumed = await calls.GetAsync(name);
            Assert.Equal(ExperimentStatus.ExperimentRunning, resumed.Status);
            Assert.Equal(1, resumed.Step);
            Assert.True(resumed.RolloutStepsReady >= beforeKill.RolloutStepsReady, $"progress went back: {beforeKill} → {resumed}");
            // The repeated report of step 0 (a trainer retrying after the crash) changes nothing.
            Assert.Equal(1, (await calls.ReportAsync(name, 0, 1)).Step);
            Assert.Equal(step0, (await calls.PullAsync(name, 0)).Select(g => g.ToByteArray()));

            for (int step = 1; step < 3; step++)
            {
                var groups = await calls.PullAsync(name, step);
                Assert.Equal(Enumerable.Range(0, Groups), groups.Select(g => g.Index));
                Assert.All(groups, g => Assert.Equal(4, g.Trajectories.Count));
                Assert.Equal(step + 1, (await calls.ReportAsync(name, step, step + 1)).Step);
            }
            var done = await calls.GetAsync(name);
            Assert.Equal(ExperimentStatus.ExperimentDone, done.Status);
            Assert.Equal(3, done.Step);
            Assert.Equal(3, done.WeightVersion);
            var history = await calls.Experiments.GetHistoryAsync(new ExperimentRef { Name = name });
            Assert.Equal(new[] { 0, 1, 2 }, history.Steps.Select(s => s.Step));
        }

        // Every group's grain state was written exactly once: never lost, never recomputed.
        var versions = await StoredRollouts.VersionsAsync(serviceId);
        Assert.Equal(3 * Groups, versions.Count);
        Assert.All(versions, v => Assert.Equal(1, v));
    }
}
