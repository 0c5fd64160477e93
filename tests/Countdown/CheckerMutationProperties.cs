using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using CsCheck;

namespace AprOrleans.Tests.Countdown;

/// <summary>The checker is the RL reward: it must accept every real solution and reject every corrupted one.</summary>
public class CheckerMutationProperties
{
    [Fact]
    public void A_rendered_real_solution_is_accepted() =>
        SolvedPaths.Samples.Sample((n, i) =>
        {
            if (SolvedPaths.Solved(n, i) is not { } s) return;
            Assert.Equal(CheckResult.Ok, SolutionChecker.Check(s.Problem, PathRenderer.Render(s.Problem, s.Ops)));
        }, iter: 100);

    [Fact]
    public void A_changed_operand_is_rejected() =>
        Gen.Select(SolvedPaths.Samples, Gen.Int[0, 4]).Sample((sample, step) =>
        {
            if (SolvedPaths.Solved(sample.Numbers, sample.Index) is not { } s) return;
            int k = step % s.Ops.Count;
            var op = s.Ops[k];
            if (op.Symbol == '*' && op.Right == 0) return; // x*0=0 stays true for any x
            s.Ops[k] = op with { Left = op.Left + 1 };
            AssertRejected(s.Problem, s.Ops);
        }, iter: 100);

    [Fact]
    public void A_changed_result_is_rejected() =>
        Gen.Select(SolvedPaths.Samples, Gen.Int[0, 4], Gen.Int[1, 50]).Sample((sample, step, delta) =>
        {
            if (SolvedPaths.Solved(sample.Numbers, sample.Index) is not { } s) return;
            int k = step % s.Ops.Count;
            s.Ops[k] = s.Ops[k] with { Result = s.Ops[k].Result + delta };
            AssertRejected(s.Problem, s.Ops);
        }, iter: 100);

    [Fact]
    public void A_reused_number_is_rejected() =>
        SolvedPaths.Samples.Sample((n, i) =>
        {
            if (SolvedPaths.Solved(n, i) is not { } s) return;
            // Step 1 consumed both operands of step 0; make step 1 use step 0's left operand again
            // when it is no longer available.
            var consumed = s.Ops[0].Left;
            var available = s.Problem.Nums.ToList();
            available.Remove(s.Ops[0].Left);
            available.Remove(s.Ops[0].Right);
            available.Add(s.Ops[0].Result);
            if (available.Contains(consumed)) return;
            var other = available[0];
            Assert.True(Operation.TryCreate(consumed, other, '+', out var reuse));
            var ops = new List<Operation> { s.Ops[0], reuse };
            var verdict = AssertRejected(s.Problem, ops);
            Assert.Contains("not available", verdict.Reason);
        }, iter: 100);

    [Fact]
    public void A_skipped_number_is_rejected() =>
        Gen.Select(SolvedPaths.Samples, Gen.Int[1, 99]).Sample((sample, extra) =>
        {
            if (SolvedPaths.Solved(sample.Numbers, sample.Index) is not { } s) return;
            // The same operations on a problem with one more number leave that number unused.
            var problem = new Problem([.. s.Problem.Nums, extra], s.Problem.Target);
            var verdict = AssertRejected(problem, s.Ops);
            Assert.Contains("every number must be used", verdict.Reason);
        }, iter: 100);

    [Fact]
    public void An_inexact_division_is_rejected() =>
        Gen.Select(Gen.Int[2, 99], Gen.Int[2, 20]).Sample((a, b) =>
        {
            if (a % b == 0 || a < b) return;
            var problem = new Problem([a, b], a / b);
            var verdict = AssertRejected(problem, [new Operation(a, '/', b, a / b)]);
            Assert.Contains("not an exact division", verdict.Reason);
        }, iter: 100);

    [Theory]
    [InlineData(5, 0)]
    [InlineData(0, 0)]
    public void Division_by_zero_is_rejected(int a, int b)
    {
        var verdict = AssertRejected(new Problem([a, b, 7], 7), [new Operation(a, '/', b, 0), new Operation(7, '+', 0, 7)]);
        Assert.Contains("divides by zero", verdict.Reason);
    }

    [Fact]
    public void The_smaller_operand_first_is_rejected()
    {
        var verdict = AssertRejected(new Problem([3, 7], 10), [new Operation(3, '+', 7, 10)]);
        Assert.Contains("larger operand first", verdict.Reason);
    }

    [Fact]
    public void A_path_that_misses_the_target_is_rejected()
    {
        var verdict = AssertRejected(new Problem([3, 7], 11), [new Operation(7, '+', 3, 10)]);
        Assert.False(verdict.Valid);
    }

    private static CheckResult AssertRejected(Problem problem, IReadOnlyList<Operation> ops)
    {
        var verdict = SolutionChecker.Check(problem, PathRenderer.Render(problem, ops));
        Assert.False(verdict.Valid, $"accepted a corrupted path for {problem}: {string.Join(", ", ops)}");
        Assert.False(string.IsNullOrWhiteSpace(verdict.Reason));
        return verdict;
    }
}
