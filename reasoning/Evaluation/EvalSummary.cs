using System.Text.Json.Serialization;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// The numbers of one evaluation run, in the JSON form `apr eval --json` prints (snake_case). Accuracy is
/// cons@n for sc (the majority answer is right) and plain accuracy otherwise; pass_at_n is "any sample right";
/// misses counts the unsolved problems by <see cref="MissKind"/> (null in results written before it existed).
/// accuracy_paper_check scores the same answers by the paper's released rule (<see cref="Countdown.Checking.PaperCheck"/>),
/// which reads only the operation lines, so it is comparable with the paper's tables (null in older results).
/// </summary>
public sealed record EvalSummary(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("samples")] int Samples,
    [property: JsonPropertyName("sub_call_budget")] int? SubCallBudget,
    [property: JsonPropertyName("token_budget")] int? TokenBudget,
    [property: JsonPropertyName("problems")] int Problems,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("pass_at_n")] double PassAtN,
    [property: JsonPropertyName("mean_total_tokens")] double MeanTotalTokens,
    [property: JsonPropertyName("mean_sequential_tokens")] double MeanSequentialTokens,
    [property: JsonPropertyName("mean_children_per_spawn")] double MeanChildrenPerSpawn,
    [property: JsonPropertyName("mean_latency_ms")] double MeanLatencyMs,
    [property: JsonPropertyName("limit_hits")] IReadOnlyDictionary<string, int> LimitHits,
    [property: JsonPropertyName("misses")] IReadOnlyDictionary<string, int>? Misses,
    [property: JsonPropertyName("accuracy_paper_check")] double? AccuracyByPaperCheck)
{
    public static EvalSummary From(EvalSettings settings, IReadOnlyList<ProblemOutcome> outcomes)
    {
        int n = Math.Max(1, outcomes.Count);
        var spawns = outcomes.SelectMany(o => o.ChildrenPerSpawn).ToList();
        var hits = outcomes.SelectMany(o => o.Trees).SelectMany(t => t.SelfAndDescendants())
            .Where(t => t.End != Runtime.ThreadEnd.Finished)
            .GroupBy(t => t.End.ToString())
            .ToDictionary(g => g.Key, g => g.Count());
        return new EvalSummary(
            EvalModes.Name(settings.Mode), settings.Samples, settings.SubCallBudget, settings.TokenBudget, outcomes.Count,
            outcomes.Count(o => o.Correct) / (double)n,
            outcomes.Count(o => o.AnyCorrect) / (double)n,
            outcomes.Sum(o => (double)o.TotalTokens) / n,
            outcomes.Sum(o => (double)o.SequentialTokens) / n,
            spawns.Count == 0 ? 0 : spawns.Average(),
            outcomes.Sum(o => o.Latency.TotalMilliseconds) / n,
            hits,
            outcomes.Where(o => o.Miss is not null)
                .GroupBy(o => o.Miss!.Value)
                .OrderBy(g => g.Key)
                .ToDictionary(g => MissKinds.Name(g.Key), g => g.Count()),
            outcomes.Count(o => o.CorrectByPaperCheck) / (double)n);
    }
}
