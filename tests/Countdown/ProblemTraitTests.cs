using AprOrleans.Countdown.Problems;

namespace AprOrleans.Tests.Countdown;

public sealed class ProblemTraitTests
{
    [Theory]
    [InlineData(new[] { 24, 24, 5 }, 53, true, false)]
    [InlineData(new[] { 43, 1, 7 }, 43, false, true)]
    [InlineData(new[] { 43, 2, 2 }, 43, true, true)]
    [InlineData(new[] { 22, 26, 31, 53 }, 27, false, false)]
    [InlineData(new[] { 5, 9, 5, 9 }, 10, true, false)]
    public void Traits_are_read_from_the_numbers_and_target(int[] nums, int target, bool repeated, bool targetIn)
    {
        var problem = new Problem(nums, target);
        Assert.Equal(repeated, problem.Has(ProblemTrait.RepeatedNumber));
        Assert.Equal(targetIn, problem.Has(ProblemTrait.TargetInNumbers));
    }

    [Fact]
    public void Every_trait_has_exactly_one_command_line_name()
    {
        var parsed = ProblemTraits.Names.Select(name => ProblemTraits.TryParse(name, out var trait) ? trait : throw new Xunit.Sdk.XunitException(name)).ToList();
        Assert.Equal(Enum.GetValues<ProblemTrait>().Order(), parsed.Order());
        Assert.False(ProblemTraits.TryParse("Repeated-Number", out _));
        Assert.False(ProblemTraits.TryParse("", out _));
    }
}
