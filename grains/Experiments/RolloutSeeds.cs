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
    /// <summary>Group (step, index)'s problem: the first solvable problem of a generator seeded from its coordinates.</summary>
    public static Problem Problem(int numbers, long problemSeed, int step, int index) =>
        new ProblemGenerator(numbers, unchecked((int)Mix(problemSeed, step, index))).Next();

    /// <summary>The sampling seed of trajectory <paramref name="g"/> of group (step, index).</summary>
    public static long Trajectory(long samplingSeed, int step, int index, int g) => Mix(samplingSeed, step, index, g);

    private static long Mix(long seed, params int[] coordinates)
    {
        ulong z = unchecked((ulong)seed);
        foreach (var c in coordinates) z = DeterministicSeed.Mix(unchecked(z + 0x9E3779B97F4A7C15UL * (ulong)(uint)c + 0x632BE59BD9B4E019UL));
        return unchecked((long)z);
    }
}
