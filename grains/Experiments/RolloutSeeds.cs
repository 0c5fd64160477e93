using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// Every random choice of a rollout group comes from its coordinates, so a rerun after a crash draws the same
/// problem and the same sampling seeds: the problem from (problem_seed, step, index), trajectory g's sampling
/// seed from (sampling seed, step, index, g). SplitMix64 mixing (HashCode is randomized per process).
/// </summary>
public static class RolloutSeeds
{
    /// <summary>
    /// Group (step, index)'s problem: the first solvable problem of a generator seeded from its coordinates that
    /// every solution of which uses <paramref name="everySolutionUses"/>, when that is given.
    /// </summary>
    public static Problem Problem(int numbers, long problemSeed, int step, int index, char? everySolutionUses = null)
    {
        var generator = new ProblemGenerator(numbers, unchecked((int)Mix(problemSeed, step, index)));
        if (everySolutionUses is not { } symbol) return generator.Next();
        // About one Countdown-3 problem in five needs a division; the bound only turns a filter no problem meets into an error.
        for (int draw = 0; draw < MaxFilteredDraws; draw++)
        {
            var problem = generator.Next();
            if (Solvability.EverySolutionUses(problem.Nums, problem.Target, symbol)) return problem;
        }
        throw new InvalidOperationException($"no Countdown-{numbers} problem among {MaxFilteredDraws} draws needs '{symbol}' in every solution");
    }

    private const int MaxFilteredDraws = 100_000;

    /// <summary>The sampling seed of trajectory <paramref name="g"/> of group (step, index).</summary>
    public static long Trajectory(long samplingSeed, int step, int index, int g) => Mix(samplingSeed, step, index, g);

    private static long Mix(long seed, params int[] coordinates)
    {
        ulong z = unchecked((ulong)seed);
        foreach (var c in coordinates) z = DeterministicSeed.Mix(unchecked(z + 0x9E3779B97F4A7C15UL * (ulong)(uint)c + 0x632BE59BD9B4E019UL));
        return unchecked((long)z);
    }
}
