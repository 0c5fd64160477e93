using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Tests.Countdown;

public class SolutionPathStateTests
{
    private static readonly Problem Problem = new([81, 32, 77], 36);

    private static bool OnPath(string stateLine) => SolutionPathState.IsOnSolutionPath(Problem, TraceParser.Parse(stateLine));

    [Fact]
    public void A_correct_state_that_can_reach_the_target_is_on_a_solution_path()
    {
        Assert.True(OnPath("Current State: 36:[32, 4], Operations: ['81-77=4']"));
        Assert.True(OnPath("Current State: 36:[81, 32, 77], Operations: []"));
    }

    [Fact]
    public void A_correct_state_that_cannot_reach_the_target_is_not()
    {
        Assert.False(OnPath("Current State: 36:[32, 158], Operations: ['81+77=158']"));
    }

    [Theory]
    [InlineData("Current State: 36:[32, 4], Operations: ['81+77=4']")]   // wrong arithmetic
    [InlineData("Current State: 36:[32, 4], Operations: ['80-76=4']")]   // numbers the problem does not have
    [InlineData("Current State: 36:[32, 4], Operations: []")]            // numbers that no step produced
    [InlineData("Current State: 28:[32, 4], Operations: ['81-77=4']")]   // another target (32-4 reaches 28, not 36)
    public void A_state_the_problem_does_not_reach_is_not_on_a_solution_path(string line)
    {
        Assert.False(OnPath(line));
    }

    [Fact]
    public void A_repeated_operand_needs_two_copies()
    {
        var problem = new Problem([10, 10, 3], 3);
        Assert.True(SolutionPathState.IsOnSolutionPath(problem, TraceParser.Parse("Current State: 3:[3, 0], Operations: ['10-10=0']")));
        Assert.False(SolutionPathState.IsOnSolutionPath(new Problem([10, 9, 3], 3),
            TraceParser.Parse("Current State: 3:[3, 0], Operations: ['10-10=0']")));
    }
}
