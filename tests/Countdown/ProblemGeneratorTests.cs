using AprOrleans.Countdown.Problems;

namespace AprOrleans.Tests.Countdown;

public class ProblemGeneratorTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Problems_follow_the_paper_distribution_and_are_solvable_and_unique(int numbers)
    {
        var problems = new ProblemGenerator(numbers, seed: 3).Take(500).ToList();
        Assert.All(problems, p =>
        {
            Assert.Equal(numbers, p.Nums.Count);
            Assert.All(p.Nums, n => Assert.InRange(n, 1, 99));
            Assert.InRange(p.Target, 10, 100);
            Assert.True(Solvability.IsSolvable(p.Nums, p.Target));
        });
        Assert.Equal(problems.Count, problems.Select(p => p.Key).Distinct().Count());
    }

    [Fact]
    public void Generation_is_deterministic_per_seed()
    {
        Assert.Equal(new ProblemGenerator(4, 9).Take(50), new ProblemGenerator(4, 9).Take(50));
        Assert.NotEqual(new ProblemGenerator(4, 9).Take(50), new ProblemGenerator(4, 10).Take(50));
    }

    [Fact]
    public void Excluded_problems_never_appear()
    {
        var heldOut = new ProblemGenerator(3, seed: 1).Take(300).ToList();
        var train = new ProblemGenerator(3, seed: 1, heldOut.Select(p => p.Key)).Take(300).ToList();
        Assert.Empty(train.Select(p => p.Key).Intersect(heldOut.Select(p => p.Key)));
    }

    [Fact]
    public void Dedup_key_ignores_number_order()
    {
        Assert.Equal(new Problem([22, 26, 31, 53], 27).Key, new Problem([53, 31, 26, 22], 27).Key);
    }

    [Fact]
    public void A_used_up_problem_space_is_an_error_not_an_endless_loop()
    {
        // Two numbers give only a few thousand distinct solvable problems, so asking for far more must end.
        var generator = new ProblemGenerator(2, seed: 5);
        var produced = new List<Problem>();
        var error = Assert.Throws<ProblemSpaceExhaustedException>(() =>
        {
            foreach (var problem in generator.Take(1_000_000)) produced.Add(problem);
        });
        Assert.Equal(produced.Count, error.Produced);
        Assert.InRange(produced.Count, 1_000, 30_000);
        Assert.Equal(produced.Count, produced.Select(p => p.Key).Distinct().Count());
        Assert.Contains("used up", error.Message);
    }

    [Theory]
    [InlineData(new[] { 22, 26, 31, 53 }, 27, true)]
    [InlineData(new[] { 1, 1, 1 }, 100, false)]
    [InlineData(new[] { 4, 9, 3 }, 24, true)]
    public void Solvability_is_exact(int[] nums, int target, bool solvable) =>
        Assert.Equal(solvable, Solvability.IsSolvable(nums, target));
}
