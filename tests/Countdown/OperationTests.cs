using AprOrleans.Countdown.Arithmetic;

namespace AprOrleans.Tests.Countdown;

public class OperationTests
{
    [Theory]
    [InlineData(31, 53, '-', "53-31=22")]
    [InlineData(22, 22, '/', "22/22=1")]
    [InlineData(26, 1, '+', "26+1=27")]
    [InlineData(3, 7, '*', "7*3=21")]
    public void Puts_the_larger_operand_first(int a, int b, char symbol, string expected)
    {
        Assert.True(Operation.TryCreate(a, b, symbol, out var op));
        Assert.Equal(expected, op.ToString());
        Assert.Null(op.Validate());
    }

    [Theory]
    [InlineData(7, 2)]
    [InlineData(5, 0)]
    public void Refuses_inexact_or_zero_division(int a, int b) => Assert.False(Operation.TryCreate(a, b, '/', out _));
}
