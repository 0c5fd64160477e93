using AprOrleans.Countdown.Solvers;

namespace AprOrleans.Tests.Countdown;

public class BeamRangeTests
{
    [Theory]
    [InlineData("10", 10, 10)]
    [InlineData("1-10", 1, 10)]
    [InlineData("3-3", 3, 3)]
    public void Parses_a_beam_or_a_range(string text, int min, int max)
    {
        var range = BeamRange.TryParse(text, out var error);
        Assert.Null(error);
        Assert.Equal(new BeamRange(min, max), range);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("4-2")]
    [InlineData("1-33")]
    [InlineData("1-2-3")]
    [InlineData("")]
    public void Refuses_anything_else_with_a_reason(string text)
    {
        Assert.Null(BeamRange.TryParse(text, out var error));
        Assert.Contains($"'{text}'", error);
    }
}
