using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Trace;
using CsCheck;

namespace AprOrleans.Tests.Countdown;

/// <summary>Properties of solver output: it parses, children rebuild from parents, joins are exact, answers check.</summary>
public class SolverTraceProperties
{
    private static readonly Gen<(string Solver, int Numbers, int Index)> Demos =
        Gen.Select(Gen.OneOfConst("apr", "sosp"), Gen.Int[3, 5], Gen.Int[0, 10_000]);

    [Fact]
    public void Every_line_of_every_solver_sequence_parses() =>
        Demos.Sample(d =>
        {
            var demo = DemoSamples.Solve(d.Solver, d.Numbers, d.Index);
            foreach (var sequence in demo.Sequences)
            {
                foreach (var line in sequence.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    Assert.True(TraceParser.TryParse(line, out _, out var error), $"{d}: {error}");
                }
            }
        }, iter: 150);

    [Fact]
    public void Every_apr_child_context_rebuilds_from_its_parent_segment() =>
        Gen.Select(Gen.Int[3, 5], Gen.Int[0, 10_000]).Sample((numbers, index) =>
        {
            var demo = DemoSamples.Apr(numbers, index);
            var children = demo.Sequences.Where(s => s.Role == "child").ToDictionary(s => s.NodeId);
            var spawning = demo.Sequences.Where(s => s.Role == "parent" && SpawnBlock.EndsWithSpawn(s.Text)).ToList();
            Assert.Equal(demo.ChildrenPerSpawn.Count, spawning.Count);
            int rebuilt = 0;
            foreach (var segment in spawning)
            {
                var spawn = SpawnBlock.Parse(segment.Text);
                foreach (var child in spawn.Children)
                {
                    var prompt = ChildContext.Prompt(spawn.TextBeforeBlock, child.NodeId);
                    Assert.StartsWith(prompt + "\n", children[child.NodeId].Text);
                    rebuilt++;
                }
            }
            Assert.Equal(children.Count, rebuilt);
        }, iter: 100);

    [Fact]
    public void Each_parent_segment_after_a_spawn_starts_with_the_exact_join_of_its_children() =>
        Gen.Select(Gen.Int[3, 5], Gen.Int[0, 10_000]).Sample((numbers, index) =>
        {
            var demo = DemoSamples.Apr(numbers, index);
            var parents = demo.Sequences.Where(s => s.Role == "parent").ToList();
            var children = demo.Sequences.Where(s => s.Role == "child").ToDictionary(s => s.NodeId);
            for (int k = 0; k + 1 < parents.Count; k++)
            {
                var spawn = SpawnBlock.Parse(parents[k].Text);
                var outcomes = spawn.Children
                    .Select(c => new ChildOutcome(c, AnswerExtractor.Extract(children[c.NodeId].Text)))
                    .ToList();
                Assert.StartsWith(JoinBlock.ResumeContext(spawn, outcomes), parents[k + 1].Text);
            }
        }, iter: 100);

    [Fact]
    public void The_checker_accepts_every_solved_demonstration_and_the_trace_agrees() =>
        Demos.Sample(d =>
        {
            var demo = DemoSamples.Solve(d.Solver, d.Numbers, d.Index);
            if (!demo.Solved) return;
            Assert.NotNull(demo.Answer);
            Assert.Equal(CheckResult.Ok, SolutionChecker.Check(demo.Problem, demo.Answer!));
            Assert.True(SolutionChecker.CheckTrace(demo.Problem, demo.Sequences.Where(s => s.Role == "parent").Last().Text).Valid);
        }, iter: 200);

    [Fact]
    public void Unsolved_demonstrations_end_with_no_solution_found()
    {
        int unsolved = 0;
        for (int i = 0; i < 200; i++)
        {
            var demo = DemoSamples.SosPlus(4, i);
            if (demo.Solved) continue;
            unsolved++;
            Assert.Null(demo.Answer);
            Assert.EndsWith(TraceLiterals.NoSolutionFound + "\n", demo.Sequences[^1].Text);
        }
        Assert.True(unsolved > 0, "the sample should include problems the heuristic search fails on");
    }
}
