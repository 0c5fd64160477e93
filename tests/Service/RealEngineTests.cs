using AprOrleans.Tests.Client;

namespace AprOrleans.Tests.Service;

/// <summary>The silo with its real TorchSharp engine (an untrained checkpoint): Solve decodes through the batching grain.</summary>
public sealed class RealEngineTests(RandomCheckpoint checkpoint) : IClassFixture<RandomCheckpoint>
{
    [Fact]
    public async Task Solve_runs_the_checkpoint_on_the_engine_behind_the_batching_grain()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], withEngine: false, storage: "memory", checkpoint: checkpoint.Directory);
        var request = GreedySolves.Of24(maxTokensPerThread: 120);
        var response = await cluster["silo-a"].Solver.SolveAsync(request, SolveEndToEndTests.Deadline());

        Assert.Equal("0", response.Root.NodeId);
        Assert.StartsWith("Moving to Node #0\nCurrent State: 24:[4, 9, 3], Operations: []", response.Root.Prompt);
        Assert.True(response.Totals.GeneratedTokens >= 1);
        Assert.False(response.Correct); // an untrained model: the exact checker must say so

        // Observability: the engine's, the API's and Orleans' meters on the Prometheus endpoint.
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{cluster["silo-a"].HttpPort}/metrics");
        Assert.Contains("apr_engine_generated_tokens", metrics);
        Assert.Contains("apr_engine_kv_pages_used", metrics);
        Assert.Contains("apr_solve_duration", metrics);
        Assert.Matches("(?m)^orleans_", metrics);
    }

    [Fact]
    public async Task Apr_solve_with_silo_prints_the_tree_from_the_service()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], withEngine: false, storage: "memory", checkpoint: checkpoint.Directory);
        var url = $"http://127.0.0.1:{cluster["silo-a"].GrpcPort}";
        var run = await Task.Run(() => AprCli.Run("solve", "24", "4", "9", "3", "--silo", url, "--thread-tokens", "100"));
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains($"silo {url}", run.StdOut);
        Assert.Matches(@"#0  level 0  \d+ tokens", run.StdOut);

        var problems = Path.Combine(Path.GetTempPath(), $"remote-eval-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(problems, ["{\"nums\": [4, 9, 3], \"target\": 24}", "{\"nums\": [2, 5, 7], \"target\": 17}"]);
        var eval = await Task.Run(() => AprCli.Run("eval", "--problems", problems, "--silo", url, "--thread-tokens", "60", "--json"));
        File.Delete(problems);
        Assert.True(eval.ExitCode == 0, eval.StdErr);
        Assert.Contains("\"problems\":2", eval.StdOut);

        var bad = await Task.Run(() => AprCli.Run("solve", "24", "4", "9", "3", "--silo", url, "--thread-tokens", "9"));
        Assert.Equal(2, bad.ExitCode); // the client's own limit check refuses it before the call
    }
}
