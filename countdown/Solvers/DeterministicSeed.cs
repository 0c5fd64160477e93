namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// Derives independent, stable seeds (SplitMix64) so that item i of a run gets the same randomness
/// whatever the thread count or order of work. (HashCode is randomized per process, so it is not used.)
/// </summary>
public static class DeterministicSeed
{
    public static int For(int runSeed, long index)
    {
        ulong z = unchecked((ulong)runSeed * 0x9E3779B97F4A7C15UL + (ulong)index + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)z);
    }
}
