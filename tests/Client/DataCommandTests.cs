using System.Text.Json;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Tests.Client;

/// <summary>`apr data …` end to end through the real executable.</summary>
public sealed class DataCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("apr-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Problems_then_demos_then_check_round_trip()
    {
        var problems = PathOf("problems.jsonl");
        var demos = PathOf("demos.jsonl");
        Assert.Equal(0, AprProcess.Run("data", "problems", "--numbers", "3", "--count", "40", "--seed", "5", "--out", problems).ExitCode);
        Assert.Equal(40, ProblemFile.Read(problems).Count);

        var run = AprProcess.Run("data", "demos", "--solver", "apr", "--problems", problems, "--out", demos);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("children per spawn", run.StdOut);
        var written = DemonstrationFile.Read(demos).ToList();
        Assert.Equal(40, written.Count);

        // Answers: the solver's answer where it solved, a corrupted one where it did not.
        var answers = PathOf("answers.jsonl");
        File.WriteAllLines(answers, written.Select(d => JsonSerializer.Serialize(new { answer = d.Answer ?? "Moving to Node #0" })));
        var check = AprProcess.Run("data", "check", "--problems", problems, "--answers", answers);
        Assert.Equal(0, check.ExitCode);
        int solved = written.Count(d => d.Solved);
        Assert.Contains($"accuracy {solved}/40", check.StdOut);
        Assert.Contains($"by the paper's released check (operation lines only): {solved}/40", check.StdOut);
        Assert.Equal(40 - solved, check.StdOut.Split('\n').Count(l => l.Contains(": invalid: ")));
    }

    [Fact]
    public void Demos_are_identical_for_the_same_seed_whatever_the_thread_count()
    {
        var problems = PathOf("p.jsonl");
        AprProcess.Run("data", "problems", "--numbers", "4", "--count", "30", "--out", problems);
        AprProcess.Run("data", "demos", "--problems", problems, "--out", PathOf("a.jsonl"), "--threads", "1");
        AprProcess.Run("data", "demos", "--problems", problems, "--out", PathOf("b.jsonl"), "--threads", "2");
        Assert.Equal(File.ReadAllText(PathOf("a.jsonl")), File.ReadAllText(PathOf("b.jsonl")));
    }

    [Fact]
    public void A_fixed_wide_beam_gives_demos_of_that_beam_that_solve_countdown_3()
    {
        var problems = PathOf("p.jsonl");
        AprProcess.Run("data", "problems", "--numbers", "3", "--count", "60", "--seed", "2", "--out", problems);
        var run = AprProcess.Run("data", "demos", "--problems", problems, "--out", PathOf("wide.jsonl"), "--beam", "10");
        Assert.Equal(0, run.ExitCode);
        var wide = DemonstrationFile.Read(PathOf("wide.jsonl")).ToList();
        Assert.All(wide, d => Assert.Equal(10, d.Beam));
        Assert.All(wide, d => Assert.True(d.Solved, $"{d.Problem.Key} unsolved with beam 10"));
        AprProcess.Run("data", "demos", "--problems", problems, "--out", PathOf("range.jsonl"), "--beam", "2-3");
        Assert.All(DemonstrationFile.Read(PathOf("range.jsonl")), d => Assert.InRange(d.Beam, 2, 3));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("5-2")]
    [InlineData("1-40")]
    [InlineData("wide")]
    public void A_bad_beam_range_exits_2_naming_it(string beam)
    {
        var problems = PathOf("p.jsonl");
        AprProcess.Run("data", "problems", "--numbers", "3", "--count", "5", "--out", problems);
        var run = AprProcess.Run("data", "demos", "--problems", problems, "--out", PathOf("x.jsonl"), "--beam", beam);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--beam", run.StdErr);
        Assert.False(File.Exists(PathOf("x.jsonl")));
    }

    [Fact]
    public void In_generation_order_a_wide_root_spawns_its_nodes_as_numbered()
    {
        var problems = PathOf("p.jsonl");
        AprProcess.Run("data", "problems", "--numbers", "3", "--count", "30", "--seed", "3", "--out", problems);
        var run = AprProcess.Run("data", "demos", "--problems", problems, "--out", PathOf("ordered.jsonl"), "--beam", "10", "--order", "generated");
        Assert.Equal(0, run.ExitCode);
        var spawns = DemonstrationFile.Read(PathOf("ordered.jsonl"))
            .SelectMany(d => d.Sequences.Where(s => s.Role == "parent" && SpawnBlock.EndsWithSpawn(s.Text)))
            .Select(s => SpawnBlock.Parse(s.Text).Children.Select(c => c.NodeId).ToList())
            .ToList();
        Assert.NotEmpty(spawns);
        Assert.All(spawns, ids => Assert.Equal(Enumerable.Range(0, ids.Count).Select(i => $"0,{i}"), ids));
    }

    [Fact]
    public void An_unknown_successor_order_exits_2_naming_it()
    {
        var problems = PathOf("p.jsonl");
        AprProcess.Run("data", "problems", "--numbers", "3", "--count", "5", "--out", problems);
        var run = AprProcess.Run("data", "demos", "--problems", problems, "--out", PathOf("x.jsonl"), "--order", "sorted");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--order must be shuffled or generated", run.StdErr);
        Assert.False(File.Exists(PathOf("x.jsonl")));
    }

    [Fact]
    public void Select_keeps_in_file_order_the_problems_only_a_division_solves()
    {
        var problems = PathOf("p.jsonl");
        AprProcess.Run("data", "problems", "--numbers", "3", "--count", "300", "--seed", "4", "--out", problems);
        var all = ProblemFile.Read(problems);

        var run = AprProcess.Run("data", "select", "--problems", problems, "--every-solution-uses", "/", "--out", PathOf("div.jsonl"));
        Assert.Equal(0, run.ExitCode);
        var expected = all.Where(p => Solvability.EverySolutionUses(p.Nums, p.Target, '/')).ToList();
        Assert.InRange(expected.Count, 4, all.Count - 1);
        Assert.Equal(expected, ProblemFile.Read(PathOf("div.jsonl")));

        Assert.Equal(0, AprProcess.Run("data", "select", "--problems", problems, "--every-solution-uses", "/", "--max", "3", "--out", PathOf("three.jsonl")).ExitCode);
        Assert.Equal(expected.Take(3), ProblemFile.Read(PathOf("three.jsonl")));
    }

    [Fact]
    public void Select_by_trait_keeps_the_problems_with_any_listed_trait_and_meets_every_criterion_given()
    {
        var problems = PathOf("p.jsonl");
        AprProcess.Run("data", "problems", "--numbers", "3", "--count", "2000", "--seed", "4", "--out", problems);
        var all = ProblemFile.Read(problems);
        // What each trait means is ProblemTraitTests' subject (hand-built problems); here, that the command applies them.
        bool repeated(Problem p) => p.Has(ProblemTrait.RepeatedNumber);
        bool targetIn(Problem p) => p.Has(ProblemTrait.TargetInNumbers);

        Assert.Equal(0, AprProcess.Run("data", "select", "--problems", problems, "--trait", "repeated-number", "--out", PathOf("rep.jsonl")).ExitCode);
        var expectedRepeated = all.Where(repeated).ToList();
        Assert.InRange(expectedRepeated.Count, 5, all.Count - 1);
        Assert.Equal(expectedRepeated, ProblemFile.Read(PathOf("rep.jsonl")));

        var run = AprProcess.Run("data", "select", "--problems", problems, "--trait", "repeated-number", "--trait", "target-in-numbers",
            "--out", PathOf("either.jsonl"));
        Assert.Equal(0, run.ExitCode);
        var expectedEither = all.Where(p => repeated(p) || targetIn(p)).ToList();
        Assert.True(expectedEither.Count > expectedRepeated.Count, "some target equals a number without a repeated number");
        Assert.Equal(expectedEither, ProblemFile.Read(PathOf("either.jsonl")));
        Assert.Contains("trait repeated-number or target-in-numbers", run.StdErr);

        // With an operation too, a problem must meet both.
        Assert.Equal(0, AprProcess.Run("data", "select", "--problems", problems, "--trait", "target-in-numbers", "--every-solution-uses", "*",
            "--out", PathOf("both.jsonl")).ExitCode);
        var expectedBoth = all.Where(p => targetIn(p) && Solvability.EverySolutionUses(p.Nums, p.Target, '*')).ToList();
        Assert.NotEmpty(expectedBoth);
        Assert.Equal(expectedBoth, ProblemFile.Read(PathOf("both.jsonl")));
        Assert.True(expectedBoth.Count < all.Count(targetIn));
    }

    [Theory]
    [InlineData("--trait", "duplicates", "--trait must be one of repeated-number, target-in-numbers, got 'duplicates'")]
    [InlineData("--max", "5", "give --every-solution-uses OP and/or --trait NAME")]
    public void Select_with_a_bad_trait_or_no_criterion_exits_2_naming_it(string option, string value, string message)
    {
        var problems = PathOf("p.jsonl");
        AprProcess.Run("data", "problems", "--numbers", "3", "--count", "5", "--out", problems);
        var run = AprProcess.Run("data", "select", "--problems", problems, option, value, "--out", PathOf("x.jsonl"));
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.StdErr);
        Assert.False(File.Exists(PathOf("x.jsonl")));
    }

    [Theory]
    [InlineData("%", null, "--every-solution-uses must be one of + * - /, got '%'")]
    [InlineData("+-", null, "--every-solution-uses must be one of + * - /, got '+-'")]
    [InlineData("/", "0", "--max must be positive, got 0")]
    public void Select_with_a_bad_operation_or_max_exits_2_naming_it(string uses, string? max, string message)
    {
        var problems = PathOf("p.jsonl");
        AprProcess.Run("data", "problems", "--numbers", "3", "--count", "5", "--out", problems);
        string[] args = ["data", "select", "--problems", problems, "--every-solution-uses", uses, "--out", PathOf("x.jsonl")];
        var run = AprProcess.Run(max is null ? args : [.. args, "--max", max]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.StdErr);
        Assert.False(File.Exists(PathOf("x.jsonl")));
    }

    [Theory]
    [InlineData("{\"nums\": [1, 2, 3], \"target\": 6", null, "malformed JSON")]
    [InlineData("{\"nums\": [1, 2, 3]}", "target", "missing")]
    [InlineData("{\"target\": 6}", "nums", "missing")]
    [InlineData("{\"nums\": [1, 200, 3], \"target\": 6}", "nums[1]", "outside")]
    [InlineData("{\"nums\": [1, 2, 3], \"target\": 6.5}", "target", "expected an integer")]
    [InlineData("{\"nums\": [1, 2, 3], \"target\": \"6\"}", "target", "expected an integer")]
    [InlineData("{\"nums\": [1, \"x\", 3], \"target\": 6}", "nums[1]", "expected an integer")]
    [InlineData("[1, 2, 3]", null, "expected a JSON object")]
    public void Bad_problem_files_exit_2_with_one_line_naming_file_line_and_field(string badLine, string? field, string reason)
    {
        var problems = PathOf("bad.jsonl");
        File.WriteAllLines(problems, ["{\"nums\": [4, 9, 3], \"target\": 24}", badLine]);
        var output = PathOf("out.jsonl");

        var run = AprProcess.Run("data", "demos", "--problems", problems, "--out", output);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{problems}:2:", line);
        if (field is not null) Assert.Contains($"field '{field}'", line);
        Assert.Contains(reason, line);
        Assert.Equal([problems], Directory.GetFiles(_dir));
    }

    [Fact]
    public void An_existing_output_survives_a_failed_run()
    {
        var output = PathOf("out.jsonl");
        File.WriteAllText(output, "precious\n");
        var problems = PathOf("bad.jsonl");
        File.WriteAllText(problems, "{\"nums\": [1, 2, 3], \"target\": -4}\n");
        Assert.Equal(2, AprProcess.Run("data", "demos", "--problems", problems, "--out", output).ExitCode);
        Assert.Equal("precious\n", File.ReadAllText(output));
        Assert.Equal(2, Directory.GetFiles(_dir).Length);
    }

    [Theory]
    [InlineData("data", "problems", "--numbers", "7", "--count", "5", "--out", "x.jsonl")]
    [InlineData("data", "problems", "--count", "0", "--out", "x.jsonl")]
    [InlineData("data", "demos", "--solver", "magic", "--problems", "p.jsonl", "--out", "x.jsonl")]
    [InlineData("data", "check", "--problems", "missing.jsonl", "--answers", "a.jsonl")]
    [InlineData("data", "problems", "--count", "five", "--out", "x.jsonl")]
    [InlineData("data", "select", "--problems", "missing.jsonl", "--every-solution-uses", "/", "--out", "x.jsonl")]
    public void Bad_arguments_exit_2(params string[] args)
    {
        var run = AprProcess.Run([.. args.Select(a => a.EndsWith(".jsonl") ? PathOf(a) : a)]);
        Assert.Equal(2, run.ExitCode);
        Assert.False(string.IsNullOrWhiteSpace(run.StdErr));
        Assert.False(File.Exists(PathOf("x.jsonl")));
    }
}
