using AprOrleans.Api;
using AprOrleans.Interfaces.Experiments;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>
/// Experiments.List over real gRPC: the experiment catalog it reads is filled by Create and by an experiment's
/// activation, emptied by Delete, and kept in PostgreSQL across a restart of the service's silos.
/// </summary>
public sealed class ExperimentListTests(ExperimentSiloFixture fixture) : IClassFixture<ExperimentSiloFixture>
{
    private static readonly ListExperimentsRequest All = new();

    [Fact]
    public async Task List_returns_the_created_experiments_sorted_with_their_status_and_not_deleted_ones()
    {
        var prefix = "list-" + Guid.NewGuid().ToString("N")[..8];
        var config = ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 4, rolloutAhead: 0);
        // Created out of order; "B" sorts before "a" ordinal (a culture-aware sort would put it after).
        foreach (var suffix in new[] { "b", "a", "B", "gone" })
            await fixture.Admin.Experiments.CreateAsync(new CreateExperimentRequest { Name = $"{prefix}-{suffix}", Config = config }, fixture.Admin.Auth);
        await fixture.Admin.Experiments.StartAsync(new ExperimentRef { Name = $"{prefix}-a" }, fixture.Admin.Auth);
        await fixture.Admin.Experiments.DeleteAsync(new ExperimentRef { Name = $"{prefix}-gone" }, fixture.Admin.Auth);

        // A read: no token needed.
        var list = await fixture.Anonymous.Experiments.ListAsync(All);

        Assert.Equal(list.Experiments.Select(e => e.Name).Order(StringComparer.Ordinal), list.Experiments.Select(e => e.Name));
        var ours = list.Experiments.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { $"{prefix}-B", $"{prefix}-a", $"{prefix}-b" }, ours.Select(e => e.Name));
        Assert.Equal(
            new[] { ExperimentStatus.ExperimentCreated, ExperimentStatus.ExperimentRunning, ExperimentStatus.ExperimentCreated },
            ours.Select(e => e.Status));
        // Each entry is the experiment as Get shows it.
        Assert.All(ours, e => Assert.Equal(config.ProblemsPerStep, e.Config.ProblemsPerStep));
        Assert.Equal((await fixture.Admin.GetAsync($"{prefix}-b")).Config, ours[2].Config);
    }

    [Fact]
    public async Task Experiments_are_listed_after_a_restart_and_an_unlisted_one_joins_when_touched()
    {
        var serviceId = "list-" + Guid.NewGuid().ToString("N")[..12];
        var config = ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 4);
        await using (var first = await TestCluster.StartAsync(["silo-a"], serviceId, adminToken: ExperimentCalls.Token))
        {
            var calls = new ExperimentCalls(first["silo-a"].Channel, ExperimentCalls.Token);
            foreach (var name in new[] { "kept", "older" })
                await calls.Experiments.CreateAsync(new CreateExperimentRequest { Name = name, Config = config }, calls.Auth);
            // As an experiment stored before the catalog existed: stored, but not in the catalog.
            await first["silo-a"].Grains.GetGrain<IExperimentCatalogGrain>(IExperimentCatalogGrain.Key).Remove("older");
        }

        await using var second = await TestCluster.StartAsync(["silo-b"], serviceId, adminToken: ExperimentCalls.Token);
        var restarted = new ExperimentCalls(second["silo-b"].Channel, ExperimentCalls.Token);
        var afterRestart = await restarted.Experiments.ListAsync(All);
        var kept = Assert.Single(afterRestart.Experiments);
        Assert.Equal(("kept", ExperimentStatus.ExperimentCreated), (kept.Name, kept.Status));
        Assert.Equal(config.ProblemsPerStep, kept.Config.ProblemsPerStep);

        // Any call activates the experiment, and its activation adds it to the catalog.
        await restarted.GetAsync("older");
        var touched = await restarted.Experiments.ListAsync(All);
        Assert.Equal(new[] { "kept", "older" }, touched.Experiments.Select(e => e.Name));
    }
}
