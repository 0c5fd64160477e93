namespace AprOrleans.Countdown.Problems;

/// <summary>
/// Thrown when a <see cref="ProblemGenerator"/> keeps drawing problems it has already produced or was told to
/// exclude: the distinct solvable problems of its size are (nearly) all used up, so asking for more would spin
/// forever. Countdown-3 has 558 054 distinct solvable problems (numbers 1–99, targets 10–100), fewer after excluding a split.
/// </summary>
public sealed class ProblemSpaceExhaustedException(int numbersPerProblem, int produced, int repeatedDraws)
    : InvalidOperationException(
        $"after {produced} new problems, {repeatedDraws} draws in a row gave only problems already produced or excluded: " +
        $"the distinct solvable problems with {numbersPerProblem} numbers are used up; ask for fewer or exclude fewer")
{
    public int Produced { get; } = produced;
}
