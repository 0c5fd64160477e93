using AprOrleans.Countdown.IO;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Reasoning.Evaluation;
using AprOrleans.Reasoning.Evaluation.Records;
using static AprOrleans.Tests.Evaluation.RecordedRuns;

namespace AprOrleans.Tests.Evaluation;

/// <summary>Recorded runs (`apr eval --record`): built from real evaluations, written, read back, and refused when inconsistent.</summary>
public sealed class RunRecordTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("apr-records-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_recorded_apr_run_carries_every_field_the_report_needs()
    {
        var (decoder, demos) = EvaluatorTests.Replay("apr", 12);
        var problems = demos.Select(d => d.Problem).ToList();
        var (_, outcomes) = await new Evaluator(decoder, CountdownTokenizer.Default, new EvalSettings { Concurrency = 4 }).RunAsync(problems);
        var records = outcomes.Select((o, i) => RunRecordBuilder.Problem(i, o)).ToList();

        for (int i = 0; i < demos.Count; i++)
        {
            var sample = Assert.Single(records[i].Samples);
            Assert.Equal(demos[i].Solved, sample.Correct);
            Assert.Equal(demos[i].Solved, sample.CorrectByPaperCheck);
            Assert.Equal(outcomes[i].Answer is not null, sample.AnswerKey is not null);
            Assert.Equal(outcomes[i].TotalTokens, sample.TotalTokens);
            Assert.Equal(outcomes[i].SequentialTokens, sample.SequentialTokens);
            Assert.Equal(demos[i].ChildrenPerSpawn, sample.ChildrenPerSpawn);
            Assert.Equal(1 + demos[i].ChildrenPerSpawn.Sum(), sample.Threads);
            Assert.True(sample.LatencyMs > 0);
            // The longest thread holds its prompt as well as what it generated: more than any thread's own output.
            int longestOutput = outcomes[i].Trees[0].SelfAndDescendants().Max(t => t.GeneratedTokens);
            Assert.True(sample.LongestThreadTokens > longestOutput, $"problem {i}: {sample.LongestThreadTokens} ≤ {longestOutput}");
            Assert.Equal(outcomes[i].Trees[0].SelfAndDescendants().Sum(RunRecordBuilder.HeldTokens), sample.SequenceTokens);
            Assert.True(sample.SequenceTokens > sample.TotalTokens, "whole sequences hold prompts and join blocks besides the generated tokens");
            int longestDemoSequence = demos[i].Sequences.Max(s => CountdownTokenizer.Default.Encode(s.Text).Count);
            Assert.True(sample.LongestThreadTokens >= longestDemoSequence, $"problem {i}: {sample.LongestThreadTokens} < {longestDemoSequence}");
        }
    }

    [Fact]
    public async Task A_run_written_and_read_back_is_the_same_run()
    {
        var (decoder, demos) = EvaluatorTests.Replay("sosp", 6);
        var problems = demos.Select(d => d.Problem).ToList();
        var settings = new EvalSettings { Mode = EvalMode.SelfConsistency, Samples = 3 };
        var (summary, outcomes) = await new Evaluator(decoder, CountdownTokenizer.Default, settings).RunAsync(problems);
        var path = Path.Combine(_dir, "sc.jsonl");
        var written = Run(path, [.. outcomes.Select((o, i) => RunRecordBuilder.Problem(i, o).Samples)], mode: "sc");
        RunRecordFile.Write(path, written.Header with { ProblemsSha256 = RunRecordBuilder.ProblemsDigest(problems), Summary = summary },
            outcomes.Select((o, i) => RunRecordBuilder.Problem(i, o)));

        var read = RunRecordFile.Read(path);
        Assert.Equal(RunRecordBuilder.ProblemsDigest(problems), read.Header.ProblemsSha256);
        Assert.Equal(summary.Accuracy, read.Header.Summary.Accuracy);
        Assert.Equal(problems.Select(p => p.Target), read.Problems.Select(p => p.Target));
        Assert.All(read.Problems, p => Assert.Equal(3, p.Samples.Count));
        // cons@3 recomputed from the samples is what the evaluator reported.
        Assert.Equal(summary.Accuracy, RunStatistics.ConsAt(read, 3), 12);
        Assert.Equal(summary.PassAtN, RunStatistics.PassAt(read, 3), 12);
        Assert.Equal(summary.MeanTotalTokens, RunStatistics.MeanTotalTokens(read, 3), 9);
    }

    [Fact]
    public void A_temperature_written_from_a_float_reads_as_the_decimal_it_was_given_as()
    {
        var path = Path.Combine(_dir, "t.jsonl");
        var run = Run(path, [[Sample("A", true)]], temperature: 0.1f);
        Assert.NotEqual(0.1, run.Header.Temperature);
        RunRecordFile.Write(path, run.Header, run.Problems);
        Assert.Equal(0.1, RunRecordFile.Read(path).Header.Temperature);
    }

    [Fact]
    public void The_problems_digest_depends_on_the_problems_and_their_order()
    {
        var a = new AprOrleans.Countdown.Problems.Problem([1, 2, 3], 6);
        var b = new AprOrleans.Countdown.Problems.Problem([4, 5, 6], 15);
        Assert.Equal(RunRecordBuilder.ProblemsDigest([a, b]), RunRecordBuilder.ProblemsDigest([a, b]));
        Assert.NotEqual(RunRecordBuilder.ProblemsDigest([a, b]), RunRecordBuilder.ProblemsDigest([b, a]));
        Assert.NotEqual(RunRecordBuilder.ProblemsDigest([a]), RunRecordBuilder.ProblemsDigest([a, b]));
    }

    [Theory]
    [InlineData("index", 3, "\"index\":1", "\"index\":5", "field 'index'")]
    [InlineData("samples", 2, "\"samples\":[{", "\"samples\":[{\"correct\":true,\"correct_paper_check\":true,\"answer_key\":null,\"total_tokens\":1,\"sequential_tokens\":1,\"longest_thread_tokens\":1,\"sequence_tokens\":1,\"threads\":1,\"children_per_spawn\":[],\"latency_ms\":1,\"end\":\"Finished\"},{", "field 'samples'")]
    [InlineData("record", 1, "apr-eval-run", "something-else", "field 'record'")]
    public void An_inconsistent_record_is_refused_naming_file_line_and_field(string what, int line, string find, string replace, string message)
    {
        var path = Path.Combine(_dir, $"{what}.jsonl");
        var run = Run(path, [[Sample("A", true)], [Sample("B", false)]]);
        RunRecordFile.Write(path, run.Header, run.Problems);
        var lines = File.ReadAllLines(path);
        lines[line - 1] = ReplaceFirst(lines[line - 1], find, replace);
        File.WriteAllLines(path, lines);

        var e = Assert.Throws<InputFileException>(() => RunRecordFile.Read(path));
        Assert.StartsWith($"{path}:{line}:", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_truncated_record_is_refused()
    {
        var path = Path.Combine(_dir, "short.jsonl");
        var run = Run(path, [[Sample("A", true)], [Sample("B", false)]]);
        RunRecordFile.Write(path, run.Header, run.Problems);
        File.WriteAllLines(path, File.ReadAllLines(path)[..2]);
        var e = Assert.Throws<InputFileException>(() => RunRecordFile.Read(path));
        Assert.Contains("1 problem lines, the header says 2", e.Message);
    }

    private static string ReplaceFirst(string text, string find, string replace)
    {
        int at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{find}' not in the line");
        return text[..at] + replace + text[(at + find.Length)..];
    }
}
