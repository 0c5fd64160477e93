using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using CsCheck;

namespace AprOrleans.Tests.Countdown;

/// <summary>
/// The paper's released rule reads only the operation lines: it must accept every real solution, reject every wrong
/// operation as the exact checker does, and accept the miscopied bookkeeping lines the exact checker refuses.
/// </summary>
public class PaperCheckTests
{
    /// <summary>91 from [54, 50, 13]: 54+50=104, then 104-13=91.</summary>
    private static readonly Problem Problem = new([54, 50, 13], 91);
    private const string Answer =
        "Moving to Node #0\nCurrent State: 91:[54, 50, 13], Operations: []\n" +
        "Exploring Operation: 54+50=104, Resulting Numbers: [13, 104]\nGenerated Node #0,0: 91:[13, 104] Operation: 54+50=104\n" +
        "Moving to Node #0,0\nCurrent State: 91:[13, 104], Operations: ['54+50=104']\n" +
        "Exploring Operation: 104-13=91, Resulting Numbers: [91]\n91,91 equal: Goal Reached\n";

    [Fact]
    public void A_solver_answer_is_accepted_by_both_rules() =>
        SolvedPaths.Samples.Sample((n, i) =>
        {
            var demo = DemoSamples.Apr(n, i);
            if (!demo.Solved) return;
            Assert.Equal(CheckResult.Ok, SolutionChecker.Check(demo.Problem, demo.Answer!));
            Assert.Equal(CheckResult.Ok, PaperCheck.Check(demo.Problem, demo.Answer!));
        }, iter: 100);

    [Fact]
    public void A_changed_operand_or_result_is_rejected() =>
        Gen.Select(SolvedPaths.Samples, Gen.Int[0, 4], Gen.Int[1, 50]).Sample((sample, step, delta) =>
        {
            if (SolvedPaths.Solved(sample.Numbers, sample.Index) is not { } s) return;
            int k = step % s.Ops.Count;
            var withResult = s.Ops.ToList();
            withResult[k] = s.Ops[k] with { Result = s.Ops[k].Result + delta };
            AssertRejected(s.Problem, withResult);
            if (s.Ops[k].Symbol == '*' && s.Ops[k].Right == 0) return; // x*0=0 stays true for any x
            var withOperand = s.Ops.ToList();
            withOperand[k] = s.Ops[k] with { Left = s.Ops[k].Left + delta };
            AssertRejected(s.Problem, withOperand);
        }, iter: 100);

    [Fact]
    public void A_skipped_number_is_rejected() =>
        Gen.Select(SolvedPaths.Samples, Gen.Int[1, 99]).Sample((sample, extra) =>
        {
            if (SolvedPaths.Solved(sample.Numbers, sample.Index) is not { } s) return;
            var verdict = AssertRejected(new Problem([.. s.Problem.Nums, extra], s.Problem.Target), s.Ops);
            Assert.Contains("left, not", verdict.Reason);
        }, iter: 100);

    [Fact]
    public void The_reference_answer_is_accepted() => Assert.Equal(CheckResult.Ok, PaperCheck.Check(Problem, Answer));

    [Theory]
    [InlineData("Generated Node #0,0: 91:[13, 104]", "Generated Node #0,0: 91:[54, 104]")]
    [InlineData("Current State: 91:[54, 50, 13]", "Current State: 91:[7, 50, 13]")]
    [InlineData("Current State: 91:[13, 104], Operations: ['54+50=104']", "Current State: 91:[13, 104], Operations: ['50+54=104']")]
    [InlineData("Moving to Node #0,0\n", "Moving to Node #0,4\n")]
    public void A_miscopied_bookkeeping_line_passes_the_paper_rule_only(string line, string miscopied)
    {
        var answer = Answer.Replace(line, miscopied);
        Assert.NotEqual(Answer, answer);
        Assert.False(SolutionChecker.Check(Problem, answer).Valid);
        Assert.Equal(CheckResult.Ok, PaperCheck.Check(Problem, answer));
    }

    [Fact]
    public void The_smaller_operand_first_passes_the_paper_rule_only()
    {
        var ops = new List<Operation> { new(3, '+', 7, 10) };
        var answer = PathRenderer.Render(new Problem([3, 7], 10), ops);
        Assert.Contains("larger operand first", SolutionChecker.Check(new Problem([3, 7], 10), answer).Reason);
        Assert.Equal(CheckResult.Ok, PaperCheck.Check(new Problem([3, 7], 10), answer));
    }

    [Theory]
    [InlineData("Resulting Numbers: [13, 104]", "Resulting Numbers: [13, 105]", "not the written")]
    [InlineData("Resulting Numbers: [13, 104]", "Resulting Numbers: [104]", "not the written")]
    [InlineData("54+50=104, Resulting", "54+50=105, Resulting", "is not true")]
    [InlineData("104-13=91", "104-31=91", "not available")]
    [InlineData("91,91 equal: Goal Reached\n", "", "no 'Goal Reached'")]
    public void A_wrong_operation_line_fails_both_rules(string line, string wrong, string reason)
    {
        var answer = Answer.Replace(line, wrong);
        Assert.False(SolutionChecker.Check(Problem, answer).Valid);
        var verdict = PaperCheck.Check(Problem, answer);
        Assert.False(verdict.Valid);
        Assert.Contains(reason, verdict.Reason);
    }

    [Fact]
    public void A_path_that_starts_at_a_deeper_node_passes_the_exact_rule_only()
    {
        // The exact checker replays the Operations list of the first state; the paper's rule starts from the problem.
        var fromChild = Answer[Answer.IndexOf("Moving to Node #0,0", StringComparison.Ordinal)..];
        Assert.Equal(CheckResult.Ok, SolutionChecker.Check(Problem, fromChild));
        Assert.Contains("not available", PaperCheck.Check(Problem, fromChild).Reason);
    }

    [Fact]
    public void An_inexact_division_is_rejected()
    {
        var verdict = PaperCheck.Check(new Problem([7, 2], 3),
            "Moving to Node #0\nCurrent State: 3:[7, 2], Operations: []\nExploring Operation: 7/2=3, Resulting Numbers: [3]\n3,3 equal: Goal Reached\n");
        Assert.Contains("is not true", verdict.Reason);
    }

    private static CheckResult AssertRejected(Problem problem, IReadOnlyList<Operation> ops)
    {
        var verdict = PaperCheck.Check(problem, PathRenderer.Render(problem, ops));
        Assert.False(verdict.Valid, $"accepted a corrupted path for {problem}: {string.Join(", ", ops)}");
        Assert.False(string.IsNullOrWhiteSpace(verdict.Reason));
        return verdict;
    }
}
