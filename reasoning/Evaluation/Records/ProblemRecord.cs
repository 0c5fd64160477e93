using System.Text.Json.Serialization;

namespace AprOrleans.Reasoning.Evaluation.Records;

/// <summary>
/// One problem of a recorded run: its position in the problem file, the problem, every sample in sample
/// order, and the problem's wall time (its samples decode side by side, so this is the slowest one's).
/// </summary>
public sealed record ProblemRecord(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("nums")] IReadOnlyList<int> Nums,
    [property: JsonPropertyName("target")] int Target,
    [property: JsonPropertyName("latency_ms")] double LatencyMs,
    [property: JsonPropertyName("samples")] IReadOnlyList<SampleRecord> Samples);
