using AprOrleans.Countdown.Tokenization;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// The symbolic solvers by name ("apr"; "sosp" or "sos" for SoS+), with the paper's beam range and shuffled successors
/// unless told otherwise.
/// </summary>
public static class SolverFactory
{
    public static ISolver Create(string name, CountdownTokenizer tokenizer, BeamRange? beam = null, SuccessorOrder order = SuccessorOrder.Shuffled) => CanonicalName(name) switch
    {
        "apr" => beam is null ? new AprSolver(tokenizer, order: order) : new AprSolver(tokenizer, beam.Min, beam.Max, order: order),
        "sosp" => beam is null ? new SosPlusSolver(tokenizer, order: order) : new SosPlusSolver(tokenizer, beam.Min, beam.Max, order: order),
        _ => throw new ArgumentException($"unknown solver '{name}' (expected apr or sosp)", nameof(name)),
    };

    /// <summary>
    /// The one name of a solver ("apr" or "sosp"), or null for an unknown one. "sos" is SoS+'s older name, kept so that
    /// runs started with it still resume with either name.
    /// </summary>
    public static string? CanonicalName(string name) => name switch
    {
        "apr" => "apr",
        "sosp" or "sos" => "sosp",
        _ => null,
    };
}
