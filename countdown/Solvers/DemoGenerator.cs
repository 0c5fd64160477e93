using AprOrleans.Countdown.Problems;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// Runs a solver over many problems on all cores. Problem i always gets the randomness of
/// <see cref="DeterministicSeed.For"/>(seed, i), so output is identical whatever the thread count.
/// Results come back in problem order, block by block, so callers can stream them to a file.
/// </summary>
public sealed class DemoGenerator(ISolver solver, int seed, int threads)
{
    public const int BlockSize = 2048;

    public IEnumerable<Demonstration[]> Generate(IReadOnlyList<Problem> problems, CancellationToken cancel = default)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancel };
        for (int start = 0; start < problems.Count; start += BlockSize)
        {
            int count = Math.Min(BlockSize, problems.Count - start);
            var block = new Demonstration[count];
            int offset = start;
            Parallel.For(0, count, options, i =>
                block[i] = solver.Solve(problems[offset + i], new Random(DeterministicSeed.For(seed, offset + i))));
            yield return block;
        }
    }
}
