namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// Derives independent, stable seeds (SplitMix64) so that item i of a run gets the same randomness
/// whatever the thread count or order of work. (HashCode is randomized per process, so it is not used.)
/// </summary>
public static class DeterministicSeed
{
    public static int For(int runSeed, long index) =>
        unchecked((int)Mix((ulong)runSeed * 0x9E3779B97F4A7C15UL + (ulong)index + 0x632BE59BD9B4E019UL));

    /// <summary>SplitMix64's finalizer: a bijection of 64-bit values that spreads every input bit over the output.</summary>
    public static ulong Mix(ulong z)
    {
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
