using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Reasoning.Evaluation;
using AprOrleans.Tests.Countdown;
using AprOrleans.Tests.Runtime;

namespace AprOrleans.Tests.Evaluation;

public class EvaluatorTests
{
    /// <summary>A decoder that writes exactly what the symbolic solver wrote for these problems.</summary>
    internal static (ScriptedDecoder Decoder, List<Demonstration> Demos) Replay(string solver, int count)
    {
        var demos = Enumerable.Range(0, count).Select(i => DemoSamples.Solve(solver, 4, i)).ToList();
        var sequences = demos.SelectMany(d => d.Sequences).Select(s => s.Text).ToList();
        var decoder = new ScriptedDecoder(context =>
        {
            var match = sequences.Where(s => s.StartsWith(context, StringComparison.Ordinal)).MaxBy(s => s.Length)
                ?? throw new InvalidOperationException($"no sequence continues:\n{context}");
            return match[context.Length..];
        });
        return (decoder, demos);
    }

    [Fact]
    public async Task Apr_accuracy_and_compute_match_the_demonstrations_replayed()
    {
        var (decoder, demos) = Replay("apr", 30);
        var settings = new EvalSettings { Mode = EvalMode.Apr, Concurrency = 8 };
        var (summary, outcomes) = await new Evaluator(decoder, CountdownTokenizer.Default, settings).RunAsync([.. demos.Select(d => d.Problem)]);

        Assert.Equal(30, summary.Problems);
        Assert.Equal(demos.Count(d => d.Solved) / 30.0, summary.Accuracy, 9);
        Assert.Equal(demos.Select(d => d.Solved), outcomes.Select(o => o.Correct));
        Assert.Equal(summary.Accuracy, summary.AccuracyByPaperCheck); // the solver copies every line right
        var spawns = demos.SelectMany(d => d.ChildrenPerSpawn).ToList();
        Assert.Equal(spawns.Average(), summary.MeanChildrenPerSpawn, 9);
        Assert.True(summary.MeanSequentialTokens < summary.MeanTotalTokens);
        Assert.Empty(summary.LimitHits);
    }

    [Fact]
    public void A_results_line_written_before_the_paper_check_existed_still_reads()
    {
        const string older = "{\"mode\":\"apr\",\"samples\":1,\"sub_call_budget\":null,\"token_budget\":null,\"problems\":2," +
            "\"accuracy\":0.5,\"pass_at_n\":0.5,\"mean_total_tokens\":10,\"mean_sequential_tokens\":5,\"mean_children_per_spawn\":0," +
            "\"mean_latency_ms\":3,\"limit_hits\":{},\"misses\":null}";
        var summary = System.Text.Json.JsonSerializer.Deserialize<EvalSummary>(older)!;
        Assert.Equal(0.5, summary.Accuracy);
        Assert.Null(summary.AccuracyByPaperCheck);
    }

    [Fact]
    public async Task Self_consistency_counts_every_sample_and_votes()
    {
        var (decoder, demos) = Replay("sosp", 12);
        var problems = demos.Select(d => d.Problem).ToList();
        var serial = (await new Evaluator(decoder, CountdownTokenizer.Default, new EvalSettings { Mode = EvalMode.Serial }).RunAsync(problems)).Summary;
        var sc = (await new Evaluator(decoder, CountdownTokenizer.Default, new EvalSettings { Mode = EvalMode.SelfConsistency, Samples = 3 }).RunAsync(problems)).Summary;

        Assert.Equal(demos.Count(d => d.Solved) / 12.0, serial.Accuracy, 9);
        // The replayed "model" is deterministic, so every sample agrees: cons@3 = pass@3 = serial accuracy.
        Assert.Equal(serial.Accuracy, sc.Accuracy, 9);
        Assert.Equal(serial.Accuracy, sc.PassAtN, 9);
        Assert.Equal(3 * serial.MeanTotalTokens, sc.MeanTotalTokens, 6);
        Assert.Equal(serial.MeanSequentialTokens, sc.MeanSequentialTokens, 6);
    }

    [Fact]
    public async Task A_serial_thread_that_spawns_is_stopped_and_reported()
    {
        var (decoder, demos) = Replay("apr", 10);
        var spawning = demos.Where(d => d.ChildrenPerSpawn.Count > 0).Select(d => d.Problem).ToList();
        var (summary, _) = await new Evaluator(decoder, CountdownTokenizer.Default, new EvalSettings { Mode = EvalMode.Serial }).RunAsync(spawning);
        Assert.True(summary.LimitHits.TryGetValue("DepthLimit", out int hits) && hits == spawning.Count);
    }

    [Theory]
    [InlineData(EvalMode.Apr, 2, null, "only sc")]
    [InlineData(EvalMode.Apr, 1, 11, "sub call budget")]
    public void Bad_settings_are_refused(EvalMode mode, int samples, int? budget, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => new ProblemEvaluator(new ScriptedDecoder(_ => ""), CountdownTokenizer.Default,
            new EvalSettings { Mode = mode, Samples = samples, SubCallBudget = budget }));
        Assert.Contains(message, e.Message);
    }
}
