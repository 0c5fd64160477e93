namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// The parent beam a solver draws per problem, uniformly in [Min, Max]. The paper's ranges are APR 1–10 and
/// SoS+ 1–5; a narrower range trades the variety of the demonstrations for their success rate (with APR on
/// Countdown-3, whose root has at most 12 successors, beam 10 solved all of 60 000 problems and beam 12 expands every
/// successor; the paper caps a spawn at 10 children, which beam 12 can exceed).
/// </summary>
public sealed record BeamRange(int Min, int Max)
{
    public const int Largest = 32;

    /// <summary>Parses "N" or "MIN-MAX"; null with <paramref name="error"/> set when the text is not a valid range.</summary>
    public static BeamRange? TryParse(string text, out string? error)
    {
        error = null;
        var parts = text.Split('-');
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, out _)))
        {
            int min = int.Parse(parts[0]), max = int.Parse(parts[^1]);
            if (min >= 1 && max <= Largest && min <= max) return new BeamRange(min, max);
        }
        error = $"'{text}' is not a beam range: N or MIN-MAX with 1 <= MIN <= MAX <= {Largest}";
        return null;
    }

    public override string ToString() => Min == Max ? $"{Min}" : $"{Min}-{Max}";
}
