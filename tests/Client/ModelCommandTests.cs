using System.Text.Json;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;

namespace AprOrleans.Tests.Client;

/// <summary>A random-weight checkpoint on disk, shared by the tests that run `apr solve` / `apr eval` on it.</summary>
public sealed class RandomCheckpoint : IDisposable
{
    public string Directory { get; }

    public RandomCheckpoint()
    {
        Directory = Path.Combine(Path.GetTempPath(), $"apr-random-ckpt-{Guid.NewGuid():N}");
        var config = new ModelConfig("micro", CountdownTokenizer.Default.VocabularySize, HiddenSize: 64, NumLayers: 2, NumHeads: 4, IntermediateSize: 96, MaxPositionEmbeddings: 256);
        using var net = LlamaForCausalLM.Create(config, seed: 3);
        ModelCheckpoint.Save(Directory, net, CountdownTokenizer.Default);
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>`apr solve` and `apr eval` through the real executable, on an untrained model (so: plumbing, limits, errors).</summary>
public sealed class ModelCommandTests(RandomCheckpoint checkpoint) : IClassFixture<RandomCheckpoint>
{
    [Fact]
    public void Solve_prints_the_tree_and_reports_why_threads_ended()
    {
        var run = AprProcess.Run("solve", "24", "4", "9", "3", "--checkpoint", checkpoint.Directory, "--thread-tokens", "120");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("problem  24 from [4, 9, 3]", run.StdOut);
        Assert.Matches(@"#0  level 0  \d+ tokens  1 segment  \d+ ms  (no solution|ThreadTokenLimit|InvalidSpawn)", run.StdOut);
        Assert.Contains("answer   none", run.StdOut);
    }

    [Fact]
    public void Solve_json_lists_every_thread()
    {
        var run = AprProcess.Run("solve", "24", "4", "9", "3", "--checkpoint", checkpoint.Directory, "--thread-tokens", "100", "--json");
        Assert.Equal(0, run.ExitCode);
        using var doc = JsonDocument.Parse(run.StdOut);
        Assert.False(doc.RootElement.GetProperty("correct").GetBoolean());
        Assert.True(doc.RootElement.GetProperty("threads").GetArrayLength() >= 1);
    }

    [Fact]
    public void Eval_prints_the_summary_json_and_draws_plots()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("apr-eval-").FullName;
        try
        {
            var problems = Path.Combine(dir, "p.jsonl");
            File.WriteAllLines(problems, ["{\"nums\": [4, 9, 3], \"target\": 24}", "{\"nums\": [2, 5, 7], \"target\": 17}"]);
            var plots = Path.Combine(dir, "plots");
            var outcomes = Path.Combine(dir, "outcomes.jsonl");
            var run = AprProcess.Run("eval", "--problems", problems, "--mode", "apr", "--checkpoint", checkpoint.Directory,
                "--thread-tokens", "80", "--json", "--plots", plots, "--outcomes", outcomes);
            Assert.Equal(0, run.ExitCode);
            using var doc = JsonDocument.Parse(run.StdOut);
            foreach (var field in new[] { "accuracy", "accuracy_paper_check", "problems", "mean_total_tokens", "mean_sequential_tokens", "mean_children_per_spawn", "mean_latency_ms" })
                Assert.True(doc.RootElement.TryGetProperty(field, out _), $"missing {field}");
            Assert.Equal(2, doc.RootElement.GetProperty("problems").GetInt32());
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(plots, "accuracy_vs_total_tokens.svg")));
            Assert.Contains("apr", File.ReadAllText(Path.Combine(plots, "accuracy_vs_latency.svg")));
            // One outcome line per problem, in the file's order, each saying why an untrained model failed.
            var lines = File.ReadAllLines(outcomes);
            Assert.Equal(2, lines.Length);
            using var first = JsonDocument.Parse(lines[0]);
            using var second = JsonDocument.Parse(lines[1]);
            Assert.Equal(24, first.RootElement.GetProperty("target").GetInt32());
            Assert.Equal(17, second.RootElement.GetProperty("target").GetInt32());
            Assert.False(first.RootElement.GetProperty("correct").GetBoolean());
            Assert.False(string.IsNullOrEmpty(first.RootElement.GetProperty("reason").GetString()));
            Assert.StartsWith("Moving to Node #0", first.RootElement.GetProperty("root_text").GetString());
        }
        finally { System.IO.Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("solve", "24", "4", "x")]
    [InlineData("solve", "100", "1", "1", "1")]
    [InlineData("solve", "24", "4", "500")]
    [InlineData("solve", "24")]
    public void Bad_problems_exit_2_with_a_reason(params string[] args)
    {
        var run = AprProcess.Run([.. args, "--checkpoint", checkpoint.Directory]);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_missing_checkpoint_is_a_clear_error()
    {
        var run = AprProcess.Run("solve", "24", "4", "9", "3", "--checkpoint", "/nonexistent/ckpt");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/nonexistent/ckpt", run.StdErr);
    }
}
