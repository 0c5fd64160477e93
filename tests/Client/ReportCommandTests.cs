using System.Text.Json;
using AprOrleans.Reasoning.Evaluation.Records;
using static AprOrleans.Tests.Evaluation.RecordedRuns;

namespace AprOrleans.Tests.Client;

/// <summary>`apr report` and `apr eval --record` through the real executable.</summary>
public sealed class ReportCommandTests(RandomCheckpoint checkpoint) : IClassFixture<RandomCheckpoint>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("apr-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Runs => Path.Combine(_dir, "runs");

    /// <summary>A sweep like the real one, in miniature: APR over sub-call budgets, SoS+ over token budgets, SoS+ sc, temperatures.</summary>
    private void WriteFixture(string sha = "0123456789abcdef0123")
    {
        Directory.CreateDirectory(Runs);
        var rng = new Random(5);
        IReadOnlyList<IReadOnlyList<SampleRecord>> Problems(int samples, double right, int tokens, int longest) =>
            [.. Enumerable.Range(0, 20).Select(_ => (IReadOnlyList<SampleRecord>)[.. Enumerable.Range(0, samples).Select(_ =>
                rng.NextDouble() < right ? Sample("A", true, longest: longest + rng.Next(200), total: tokens) : Sample("B", false, longest: longest, total: tokens))])];
        void Write(string name, RecordedRun run) => RunRecordFile.Write(Path.Combine(Runs, name), run.Header, run.Problems);

        foreach (int b in new[] { 1, 4, 10 })
            Write($"apr-b{b}.jsonl", Run("", Problems(1, 0.5 + b / 25.0, 400 * b, 300), label: "apr-model", subCallBudget: b, problemsSha: sha));
        Write("apr.jsonl", Run("", Problems(1, 0.8, 1500, 300), label: "apr-model", problemsSha: sha));
        Write("apr-t1.jsonl", Run("", Problems(1, 0.7, 1600, 300), label: "apr-model", temperature: 1, problemsSha: sha));
        foreach (int b in new[] { 256, 512 })
            Write($"sosp-tb{b}.jsonl", Run("", Problems(1, b / 700.0, b, b), label: "sosp-model", mode: "serial", tokenBudget: b, problemsSha: sha));
        Write("sosp.jsonl", Run("", Problems(1, 0.6, 350, 350), label: "sosp-model", mode: "serial", problemsSha: sha));
        Write("sosp-sc4.jsonl", Run("", Problems(4, 0.5, 350, 350), label: "sosp-model", mode: "sc", temperature: 1, problemsSha: sha));
    }

    [Fact]
    public void A_report_from_recorded_runs_renders_every_plot_and_table()
    {
        WriteFixture();
        var output = Path.Combine(_dir, "out");
        var run = AprProcess.Run("report", "--runs", Runs, "--out", output);
        Assert.True(run.ExitCode == 0, run.StdErr);

        foreach (var plot in new[] { "accuracy_vs_total_tokens.svg", "accuracy_vs_context_window.svg", "accuracy_vs_latency.svg", "accuracy_vs_sequential_tokens.svg" })
        {
            var svg = File.ReadAllText(Path.Combine(output, plot));
            Assert.Contains("<svg", svg);
            Assert.Contains("apr-model", svg);
            Assert.Contains("sosp-model", svg);
        }
        Assert.Contains("cons@n", File.ReadAllText(Path.Combine(output, "accuracy_vs_total_tokens.svg")));
        Assert.Contains("pass@n", File.ReadAllText(Path.Combine(output, "accuracy_vs_total_tokens.svg")));

        var md = File.ReadAllText(Path.Combine(output, "report.md"));
        foreach (var heading in new[] { "## Runs", "paper Fig. 4a", "paper Fig. 4b", "paper Fig. 6", "paper Table 1", "McNemar" })
            Assert.Contains(heading, md);
        Assert.Contains("| apr-model · apr · sub-call budget · T 0 | budget 10 |", md);
        Assert.Contains("| sosp-model · pass@n · T 1 | n 4 |", md);
        Assert.Contains("| apr-model · apr | ", md); // the temperature table's row, with T 0 and T 1 columns
        Assert.Contains("| T 0 | T 1 |", md);
    }

    [Fact]
    public void Runs_on_different_problem_sets_are_refused_naming_the_file()
    {
        WriteFixture();
        var odd = Run("", [[Sample("A", true)]], label: "other", problemsSha: "ffffffffffffffffffff");
        var oddPath = Path.Combine(Runs, "zz-other.jsonl");
        RunRecordFile.Write(oddPath, odd.Header, odd.Problems);
        var run = AprProcess.Run("report", "--runs", Runs, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(oddPath, run.StdErr);
        Assert.Contains("one problem set", run.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")), "nothing is written from a refused set of runs");
    }

    [Fact]
    public void Missing_runs_malformed_lines_and_duplicates_are_exit_2_naming_the_file()
    {
        var missing = AprProcess.Run("report", "--runs", Path.Combine(_dir, "nowhere"), "--out", Path.Combine(_dir, "out"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nowhere", missing.StdErr);

        Directory.CreateDirectory(Runs);
        var empty = AprProcess.Run("report", "--runs", Runs, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("no recorded runs", empty.StdErr);

        WriteFixture();
        var broken = Path.Combine(Runs, "apr.jsonl");
        File.AppendAllText(broken, "{\"index\": 20, \"nums\": \n");
        var malformed = AprProcess.Run("report", "--runs", Runs, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains($"{broken}:22:", malformed.StdErr);

        File.Copy(Path.Combine(Runs, "sosp.jsonl"), broken, overwrite: true);
        var duplicate = AprProcess.Run("report", "--runs", Runs, "--out", Path.Combine(_dir, "out"));
        Assert.Equal(2, duplicate.ExitCode);
        Assert.Contains("same configuration", duplicate.StdErr);

        var badWindows = AprProcess.Run("report", "--runs", Runs, "--out", Path.Combine(_dir, "out"), "--windows", "128,x");
        Assert.Equal(2, badWindows.ExitCode);
    }

    [Fact]
    public void Eval_record_writes_a_run_the_report_reads()
    {
        var problems = Path.Combine(_dir, "p.jsonl");
        File.WriteAllLines(problems, ["{\"nums\": [4, 9, 3], \"target\": 24}", "{\"nums\": [2, 5, 7], \"target\": 17}"]);
        Directory.CreateDirectory(Runs);
        var record = Path.Combine(Runs, "apr.jsonl");
        var eval = AprProcess.Run("eval", "--problems", problems, "--mode", "sc", "--n", "2", "--checkpoint", checkpoint.Directory,
            "--thread-tokens", "60", "--record", record, "--label", "random");
        Assert.True(eval.ExitCode == 0, eval.StdErr);

        var lines = File.ReadAllLines(record);
        Assert.Equal(3, lines.Length);
        using (var header = JsonDocument.Parse(lines[0]))
        {
            var h = header.RootElement;
            Assert.Equal("random", h.GetProperty("label").GetString());
            Assert.Equal("sc", h.GetProperty("mode").GetString());
            Assert.Equal(2, h.GetProperty("samples").GetInt32());
            Assert.Equal(1.0, h.GetProperty("temperature").GetDouble()); // sc samples at T 1 unless told otherwise
            Assert.Equal(60, h.GetProperty("limits").GetProperty("max_tokens_per_thread").GetInt32());
            Assert.Equal(64, h.GetProperty("model_sha256").GetString()!.Length);
            Assert.Equal("p.jsonl", h.GetProperty("problems_file").GetString());
            var recorded = h.GetProperty("checkpoint").GetString()!;
            Assert.False(Path.IsPathRooted(recorded), $"a record names no machine path: {recorded}");
            Assert.Equal(Path.GetFullPath(checkpoint.Directory), Path.GetFullPath(recorded, Environment.CurrentDirectory));
        }
        var read = RunRecordFile.Read(record);
        Assert.All(read.Problems, p => Assert.All(p.Samples, s => Assert.InRange(s.LongestThreadTokens, 1, 60)));

        var report = AprProcess.Run("report", "--runs", Runs, "--out", Path.Combine(_dir, "out"));
        Assert.True(report.ExitCode == 0, report.StdErr);
        Assert.Contains("random · cons@n", File.ReadAllText(Path.Combine(_dir, "out", "report.md")));
    }

    [Fact]
    public void Eval_record_through_a_silo_is_refused()
    {
        var problems = Path.Combine(_dir, "p.jsonl");
        File.WriteAllLines(problems, ["{\"nums\": [4, 9, 3], \"target\": 24}"]);
        var run = AprProcess.Run("eval", "--problems", problems, "--silo", "http://127.0.0.1:1", "--record", Path.Combine(_dir, "r.jsonl"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--record", run.StdErr);
    }
}
