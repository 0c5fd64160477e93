namespace AprOrleans.Countdown.Problems;

/// <summary>
/// Samples problems with the APR paper's distribution: each number uniform in [1, 99], the
/// target uniform in [10, 100], resampled until solvable; deduplicated on (sorted numbers, target).
/// Deterministic for a seed. Throws <see cref="ProblemSpaceExhaustedException"/> instead of spinning when the
/// distinct problems run out.
/// </summary>
public sealed class ProblemGenerator
{
    public const int MinNumber = 1, MaxNumber = 99, MinTarget = 10, MaxTarget = 100;

    /// <summary>
    /// Draws in a row that may hit known problems before the space counts as used up. A solvable draw is new with
    /// probability (1 − fraction of the space already seen), so 100 000 known hits before one new problem means
    /// over 99.99 % of it is seen. Unsolvable draws come in between, so for Countdown-3 the last stretch is a few
    /// million draws: seconds, not an endless loop.
    /// </summary>
    public const int MaxRepeatedDraws = 100_000;

    private readonly Random _random;
    private readonly int _count;
    private readonly HashSet<string> _seen;
    private int _produced;

    /// <param name="numbersPerProblem">3, 4 (the paper's task) or 5 (the appendix's harder task).</param>
    /// <param name="exclude">Keys never to produce, e.g. a held-out split's.</param>
    public ProblemGenerator(int numbersPerProblem, int seed, IEnumerable<string>? exclude = null)
    {
        if (numbersPerProblem is < 2 or > 6)
            throw new ArgumentOutOfRangeException(nameof(numbersPerProblem), numbersPerProblem, "expected 2 to 6 numbers per problem");
        _count = numbersPerProblem;
        _random = new Random(seed);
        _seen = new HashSet<string>(exclude ?? []);
    }

    /// <summary>The next unseen solvable problem.</summary>
    public Problem Next()
    {
        int repeatedDraws = 0;
        while (true)
        {
            var nums = new int[_count];
            for (int i = 0; i < nums.Length; i++) nums[i] = _random.Next(MinNumber, MaxNumber + 1);
            int target = _random.Next(MinTarget, MaxTarget + 1);
            var problem = new Problem(nums, target);
            if (_seen.Contains(problem.Key))
            {
                if (++repeatedDraws >= MaxRepeatedDraws) throw new ProblemSpaceExhaustedException(_count, _produced, repeatedDraws);
                continue;
            }
            if (!Solvability.IsSolvable(nums, target)) continue;
            _seen.Add(problem.Key);
            _produced++;
            return problem;
        }
    }

    public IEnumerable<Problem> Take(int count)
    {
        for (int i = 0; i < count; i++) yield return Next();
    }
}
