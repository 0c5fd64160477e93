using AprOrleans.Countdown.Tokenization;

namespace AprOrleans.Countdown.Solvers;

/// <summary>The symbolic solvers by name ("apr"; "sosp" or "sos" for SoS+), with the paper's beam range unless one is given.</summary>
public static class SolverFactory
{
    public static ISolver Create(string name, CountdownTokenizer tokenizer, BeamRange? beam = null) => name switch
    {
        "apr" => beam is null ? new AprSolver(tokenizer) : new AprSolver(tokenizer, beam.Min, beam.Max),
        "sosp" or "sos" => beam is null ? new SosPlusSolver(tokenizer) : new SosPlusSolver(tokenizer, beam.Min, beam.Max),
        _ => throw new ArgumentException($"unknown solver '{name}' (expected apr or sosp)", nameof(name)),
    };
}
