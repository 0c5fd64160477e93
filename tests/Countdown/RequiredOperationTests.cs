using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Problems;

namespace AprOrleans.Tests.Countdown;

/// <summary><see cref="Solvability.EverySolutionUses"/>: which problems only a given operation solves.</summary>
public sealed class RequiredOperationTests
{
    [Theory]
    [InlineData(new[] { 45, 30, 3 }, 15, '/', true)]    // 45/3=15, 30-15=15 is the only way
    [InlineData(new[] { 4, 60, 53 }, 68, '/', true)]    // 60/4=15, 53+15=68
    [InlineData(new[] { 81, 32, 77 }, 36, '/', false)]  // 81+32=113, 113-77=36
    [InlineData(new[] { 2, 3, 5 }, 30, '*', true)]
    [InlineData(new[] { 2, 3, 5 }, 30, '/', false)]
    [InlineData(new[] { 1, 1, 1 }, 3, '+', true)]
    [InlineData(new[] { 10, 3, 2 }, 5, '-', true)]      // 10-3-2, 10-(3+2), (10-2)-3
    [InlineData(new[] { 1, 1, 1 }, 100, '+', false)]    // unsolvable: no solution, so none that uses '+'
    public void Examples(int[] nums, int target, char symbol, bool expected) =>
        Assert.Equal(expected, Solvability.EverySolutionUses(nums, target, symbol));

    [Fact]
    public void Agrees_with_listing_every_solution_on_random_problems()
    {
        var random = new Random(7);
        var required = new HashSet<char>();
        var notRequired = new HashSet<char>();
        for (int n = 0; n < 400; n++)
        {
            var nums = Enumerable.Range(0, random.Next(3, 5)).Select(_ => random.Next(1, 30)).ToArray();
            int target = random.Next(1, 60);
            var solutions = SolutionSymbols([.. nums], target).ToList();
            foreach (char symbol in Operation.Symbols)
            {
                bool expected = solutions.Count > 0 && solutions.All(s => s.Contains(symbol));
                Assert.True(expected == Solvability.EverySolutionUses(nums, target, symbol),
                    $"[{string.Join(", ", nums)}] -> {target}, '{symbol}': {solutions.Count} solutions");
                (expected ? required : notRequired).Add(symbol);
            }
        }
        // Both answers came up for every operation, so neither branch went untested.
        Assert.Equal(Operation.Symbols.Order(), required.Order());
        Assert.Equal(Operation.Symbols.Order(), notRequired.Order());
    }

    [Fact]
    public void An_unknown_operation_is_refused() =>
        Assert.Throws<ArgumentException>(() => Solvability.EverySolutionUses([1, 2, 3], 6, '%'));

    /// <summary>
    /// Every solution path, as the operation symbols it uses: a slow, obviously complete listing over the solver's own
    /// <see cref="Operation.AllOn"/>, independent of the search under test.
    /// </summary>
    private static IEnumerable<string> SolutionSymbols(List<int> nums, int target)
    {
        if (nums.Count == 1)
        {
            if (nums[0] == target) yield return "";
            yield break;
        }
        for (int i = 0; i < nums.Count; i++)
        {
            for (int j = i + 1; j < nums.Count; j++)
            {
                var rest = nums.Where((_, k) => k != i && k != j).ToList();
                foreach (var op in Operation.AllOn(nums[i], nums[j]))
                {
                    foreach (var tail in SolutionSymbols([.. rest, op.Result], target)) yield return op.Symbol + tail;
                }
            }
        }
    }
}
