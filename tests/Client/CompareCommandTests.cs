using System.Text.Json;
using AprOrleans.Reasoning.Evaluation.Records;
using static AprOrleans.Tests.Evaluation.RecordedRuns;

namespace AprOrleans.Tests.Client;

/// <summary>`apr compare` through the real executable, on hand-built recorded runs.</summary>
public sealed class CompareCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("apr-compare-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, RecordedRun run)
    {
        var path = Path.Combine(_dir, name);
        RunRecordFile.Write(path, run.Header, run.Problems);
        return path;
    }

    /// <summary>20 problems; the first run solves problems 0–11, the second 4–19.</summary>
    private (string First, string Second) BeforeAndAfter(string secondSha = "0123456789abcdef0123")
    {
        IReadOnlyList<IReadOnlyList<SampleRecord>> Solving(int from, int to) =>
            [.. Enumerable.Range(0, 20).Select(i => (IReadOnlyList<SampleRecord>)[from <= i && i <= to ? Sample("A", true) : Sample("B", false)])];
        return (Write("before.jsonl", Run("", Solving(0, 11), label: "before")),
                Write("after.jsonl", Run("", Solving(4, 19), label: "after", problemsSha: secondSha)));
    }

    [Fact]
    public void Two_runs_are_paired_problem_by_problem()
    {
        var (before, after) = BeforeAndAfter();
        var run = AprProcess.Run("compare", before, after, "--json");
        Assert.True(run.ExitCode == 0, run.StdErr);

        var json = JsonDocument.Parse(run.StdOut).RootElement;
        Assert.Equal(12, json.GetProperty("first").GetProperty("solved").GetInt32());
        Assert.Equal(16, json.GetProperty("second").GetProperty("solved").GetInt32());
        Assert.Equal(20, json.GetProperty("second").GetProperty("problems").GetInt32());
        Assert.Equal(8, json.GetProperty("both_solved").GetInt32());
        Assert.Equal(4, json.GetProperty("only_first").GetInt32());
        Assert.Equal(8, json.GetProperty("only_second").GetInt32());
        Assert.Equal(0, json.GetProperty("neither").GetInt32());
        // 2 · P(X ≤ 4), X ~ Binomial(12, ½) = 2 · (1 + 12 + 66 + 220 + 495) / 4096.
        Assert.InRange(json.GetProperty("p_value").GetDouble(), 2.0 * 794 / 4096 - 1e-9, 2.0 * 794 / 4096 + 1e-9);

        var text = AprProcess.Run("compare", before, after);
        Assert.True(text.ExitCode == 0, text.StdErr);
        Assert.Contains("12 / 20 (60.0 %)", text.StdOut);
        Assert.Contains("only first 4, only second 8", text.StdOut);
    }

    [Fact]
    public void A_run_of_several_samples_counts_its_majority_answer()
    {
        var (before, _) = BeforeAndAfter();
        // Problem by problem: the first sample is wrong but two of three agree on the right answer, so cons@3 solves
        // all 20 (the first sample alone would solve none).
        var votes = Enumerable.Range(0, 20)
            .Select(_ => (IReadOnlyList<SampleRecord>)[Sample("B", false), Sample("A", true), Sample("A", true)]).ToList();
        var sc = Write("sc.jsonl", Run("", votes, label: "sc", mode: "sc", temperature: 1));
        var run = AprProcess.Run("compare", before, sc, "--json");
        Assert.True(run.ExitCode == 0, run.StdErr);
        var json = JsonDocument.Parse(run.StdOut).RootElement;
        Assert.Equal(20, json.GetProperty("second").GetProperty("solved").GetInt32());
        Assert.Equal(8, json.GetProperty("only_second").GetInt32());
    }

    [Fact]
    public void Different_problem_sets_and_missing_files_are_exit_2_naming_the_file()
    {
        var (before, after) = BeforeAndAfter(secondSha: "ffffffffffffffffffff");
        var unpaired = AprProcess.Run("compare", before, after);
        Assert.Equal(2, unpaired.ExitCode);
        Assert.Contains(after, unpaired.StdErr);
        Assert.Contains("same problems", unpaired.StdErr);

        var missing = Path.Combine(_dir, "nowhere.jsonl");
        var absent = AprProcess.Run("compare", before, missing);
        Assert.Equal(2, absent.ExitCode);
        Assert.Contains(missing, absent.StdErr);

        var notARecord = Path.Combine(_dir, "problems.jsonl");
        File.WriteAllText(notARecord, "{\"nums\": [1, 2, 3], \"target\": 6}\n");
        var wrongKind = AprProcess.Run("compare", notARecord, before);
        Assert.Equal(2, wrongKind.ExitCode);
        Assert.Contains(notARecord, wrongKind.StdErr);
    }
}
