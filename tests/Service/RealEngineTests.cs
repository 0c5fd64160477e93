using AprOrleans.Api;
using AprOrleans.Tests.Client;

namespace AprOrleans.Tests.Service;

/// <summary>The silo with its real TorchSharp engine (an untrained checkpoint): Solve decodes through the batching grain.</summary>
public sealed class RealEngineTests(RandomCheckpoint checkpoint) : IClassFixture<RandomCheckpoint>
{
    [Fact]
    public async Task Solve_runs_the_checkpoint_on_the_engine_behind_the_batching_grain()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], withEngine: false, storage: "memory", checkpoint: checkpoint.Directory);
        var request = new SolveRequest
        {
            Numbers = { 4, 9, 3 },
            Target = 24,
            Mode = Mode.Apr,
            Limits = new Limits { MaxTokensPerThread = 120 },
            Sampling = new Sampling { Temperature = 0 },
        };
        var response = await cluster["silo-a"].Solver.SolveAsync(request, SolveEndToEndTests.Deadline());

        Assert.Equal("0", response.Root.NodeId);
        Assert.StartsWith("Moving to Node #0\nCurrent State: 24:[4, 9, 3], Operations: []", response.Root.Prompt);
        Assert.True(response.Totals.GeneratedTokens >= 1);
        Assert.False(response.Correct); // an untrained model: the exact checker must say so
    }
}
