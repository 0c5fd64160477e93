using AprOrleans.Interfaces.Solving;

namespace AprOrleans.Grains.Solving;

/// <summary>A solve's persisted state (Orleans binary serializer; field ids are the storage format: never reuse one).</summary>
[GenerateSerializer, Alias("apr.SolveState")]
public sealed class SolveState
{
    [Id(0)] public SolveSpec? Spec { get; set; }
    [Id(1)] public SolveStatus Status { get; set; }
    [Id(2)] public SolveOutcome? Outcome { get; set; }
    [Id(3)] public string? Error { get; set; }
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
}
