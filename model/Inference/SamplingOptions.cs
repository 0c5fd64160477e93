namespace AprOrleans.Model.Inference;

/// <summary>
/// How to pick the next token. Temperature 0 means greedy (argmax). TopK 0 and TopP 1 switch those filters off.
/// </summary>
public sealed record SamplingOptions(double Temperature = 1.0, int TopK = 0, double TopP = 1.0)
{
    public static SamplingOptions Greedy { get; } = new(Temperature: 0);

    public bool IsGreedy => Temperature <= 0;

    public void Validate()
    {
        if (double.IsNaN(Temperature) || Temperature < 0) throw new ArgumentException($"temperature {Temperature}: must be ≥ 0");
        if (TopK < 0) throw new ArgumentException($"top_k {TopK}: must be ≥ 0");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top_p {TopP}: must be in (0, 1]");
    }
}
