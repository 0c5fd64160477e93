using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;

namespace AprOrleans.Tests.Countdown;

/// <summary>Demonstrations for property tests: problem i of a seeded set, solved with seed i.</summary>
internal static class DemoSamples
{
    private static readonly Dictionary<int, List<Problem>> ProblemSets = [];

    public static Problem ProblemFor(int numbers, int index)
    {
        lock (ProblemSets)
        {
            if (!ProblemSets.TryGetValue(numbers, out var set))
                ProblemSets[numbers] = set = new ProblemGenerator(numbers, seed: 12345).Take(400).ToList();
            return set[index % set.Count];
        }
    }

    public static Demonstration Apr(int numbers, int index) =>
        new AprSolver(CountdownTokenizer.Default).Solve(ProblemFor(numbers, index), new Random(DeterministicSeed.For(7, index)));

    public static Demonstration SosPlus(int numbers, int index) =>
        new SosPlusSolver(CountdownTokenizer.Default).Solve(ProblemFor(numbers, index), new Random(DeterministicSeed.For(7, index)));

    public static Demonstration Solve(string solver, int numbers, int index) =>
        solver == "apr" ? Apr(numbers, index) : SosPlus(numbers, index);
}
