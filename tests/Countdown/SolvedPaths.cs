using AprOrleans.Countdown.Arithmetic;
using AprOrleans.Countdown.Problems;
using CsCheck;

namespace AprOrleans.Tests.Countdown;

/// <summary>Solved problems and their operations for the checkers' property tests (3–5 numbers, seeded).</summary>
internal static class SolvedPaths
{
    public static readonly Gen<(int Numbers, int Index)> Samples = Gen.Select(Gen.Int[3, 5], Gen.Int[0, 10_000]);

    /// <summary>The APR solver's answer to problem <paramref name="index"/> as operations; null when it found none.</summary>
    public static (Problem Problem, List<Operation> Ops)? Solved(int numbers, int index)
    {
        var demo = DemoSamples.Apr(numbers, index);
        return demo.Solved ? (demo.Problem, PathRenderer.Operations(demo.Answer!)) : null;
    }
}
