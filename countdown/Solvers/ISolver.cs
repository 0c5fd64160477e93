using AprOrleans.Countdown.Problems;

namespace AprOrleans.Countdown.Solvers;

/// <summary>A symbolic solver that writes demonstrations in the trace language.</summary>
public interface ISolver
{
    string Name { get; }

    /// <summary>Solves <paramref name="problem"/> with randomness drawn only from <paramref name="random"/>.</summary>
    Demonstration Solve(Problem problem, Random random);
}
