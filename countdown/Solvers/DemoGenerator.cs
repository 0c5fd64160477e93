using AprOrleans.Countdown.Problems;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// Runs a solver over many problems on all cores. Problem i always gets the randomness of
/// <see cref="DeterministicSeed.For"/>(seed, i), so output is identical whatever the thread count.
/// Results come back in problem order, block by block; the next block is already being computed while the
/// caller consumes the current one (e.g. writes it to disk), and the per-item projection (e.g. JSON
/// serialization) runs in parallel too.
/// </summary>
public sealed class DemoGenerator(ISolver solver, int seed, int threads)
{
    public const int BlockSize = 2048;

    public IEnumerable<Demonstration[]> Generate(IReadOnlyList<Problem> problems, CancellationToken cancel = default) =>
        Generate(problems, d => d, cancel);

    public IEnumerable<T[]> Generate<T>(IReadOnlyList<Problem> problems, Func<Demonstration, T> project, CancellationToken cancel = default)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancel };
        Task<T[]> Compute(int start) => Task.Run(() =>
        {
            int count = Math.Min(BlockSize, problems.Count - start);
            var block = new T[count];
            Parallel.For(0, count, options, i =>
                block[i] = project(solver.Solve(problems[start + i], new Random(DeterministicSeed.For(seed, start + i)))));
            return block;
        }, cancel);

        if (problems.Count == 0) yield break;
        var pending = Compute(0);
        for (int start = 0; start < problems.Count; start += BlockSize)
        {
            var block = pending.GetAwaiter().GetResult();
            if (start + BlockSize < problems.Count) pending = Compute(start + BlockSize);
            yield return block;
        }
    }
}
