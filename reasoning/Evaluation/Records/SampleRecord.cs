using System.Text.Json.Serialization;

namespace AprOrleans.Reasoning.Evaluation.Records;

/// <summary>
/// One sample (one spawn/join tree) of one problem in a recorded evaluation run: enough to recompute every
/// sweep of the report without the model. <see cref="AnswerKey"/> is what a majority vote compares (null when
/// the tree gave no answer); <see cref="LongestThreadTokens"/> is the most tokens any one thread of the tree
/// held (prompt, everything it generated and, for a parent, its join blocks): the context window it needed, and
/// the paper's "sequential tokens". <see cref="SequenceTokens"/> sums every thread's whole sequence, the paper's
/// "total tokens" (a parent's calls share their prefix, counted once; children's prompts count). <see cref="TotalTokens"/>
/// and <see cref="SequentialTokens"/> count generated tokens only (the sum, and the critical path), as `apr eval` does.
/// </summary>
public sealed record SampleRecord(
    [property: JsonPropertyName("correct")] bool Correct,
    [property: JsonPropertyName("correct_paper_check")] bool CorrectByPaperCheck,
    [property: JsonPropertyName("answer_key")] string? AnswerKey,
    [property: JsonPropertyName("total_tokens")] int TotalTokens,
    [property: JsonPropertyName("sequential_tokens")] int SequentialTokens,
    [property: JsonPropertyName("longest_thread_tokens")] int LongestThreadTokens,
    [property: JsonPropertyName("sequence_tokens")] int SequenceTokens,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("children_per_spawn")] IReadOnlyList<int> ChildrenPerSpawn,
    [property: JsonPropertyName("latency_ms")] double LatencyMs,
    [property: JsonPropertyName("end")] string End);
