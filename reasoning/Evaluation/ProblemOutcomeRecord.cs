using System.Text.Json.Serialization;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// One problem's evaluation as a JSON line (`apr eval --outcomes FILE`): the problem, whether it was solved,
/// why not (the checker's words and a <see cref="MissKind"/>), the compute it took and the root thread's text,
/// so failures can be sorted and read afterwards.
/// </summary>
public sealed record ProblemOutcomeRecord(
    [property: JsonPropertyName("nums")] IReadOnlyList<int> Nums,
    [property: JsonPropertyName("target")] int Target,
    [property: JsonPropertyName("correct")] bool Correct,
    [property: JsonPropertyName("any_correct")] bool AnyCorrect,
    [property: JsonPropertyName("correct_paper_check")] bool CorrectByPaperCheck,
    [property: JsonPropertyName("answer")] string? Answer,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("miss")] string? Miss,
    [property: JsonPropertyName("total_tokens")] int TotalTokens,
    [property: JsonPropertyName("sequential_tokens")] int SequentialTokens,
    [property: JsonPropertyName("children_per_spawn")] IReadOnlyList<int> ChildrenPerSpawn,
    [property: JsonPropertyName("limits_hit")] IReadOnlyList<string> LimitsHit,
    [property: JsonPropertyName("latency_ms")] double LatencyMs,
    [property: JsonPropertyName("root_text")] string RootText)
{
    public static ProblemOutcomeRecord From(ProblemOutcome outcome)
    {
        var chosenRoot = outcome.Trees.FirstOrDefault(t => t.Answer == outcome.Answer) ?? outcome.Trees[0];
        return new ProblemOutcomeRecord(
            outcome.Problem.Nums,
            outcome.Problem.Target,
            outcome.Correct,
            outcome.AnyCorrect,
            outcome.CorrectByPaperCheck,
            outcome.Answer,
            outcome.Reason,
            outcome.Miss is { } miss ? MissKinds.Name(miss) : null,
            outcome.TotalTokens,
            outcome.SequentialTokens,
            outcome.ChildrenPerSpawn,
            [.. outcome.Trees.SelectMany(t => t.SelfAndDescendants())
                .Where(t => t.End != Runtime.ThreadEnd.Finished)
                .Select(t => $"{t.NodeId}: {t.End}")],
            outcome.Latency.TotalMilliseconds,
            chosenRoot.Text);
    }
}
