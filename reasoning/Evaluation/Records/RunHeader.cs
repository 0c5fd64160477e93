using System.Text.Json.Serialization;

namespace AprOrleans.Reasoning.Evaluation.Records;

/// <summary>
/// The first line of a recorded run (`apr eval --record FILE`): what was evaluated and how (<see cref="Checkpoint"/>
/// relative to the directory eval ran in; <see cref="ModelSha256"/> identifies the weights wherever they are). <see cref="Label"/>
/// names the model in the report's legends (default: the checkpoint folder's name); <see cref="ProblemsSha256"/>
/// identifies the problem set and its order, so the report can refuse to set runs on different problems side
/// by side. <see cref="Summary"/> is what `apr eval --json` printed for the run.
/// </summary>
public sealed record RunHeader(
    [property: JsonPropertyName("record")] string Record,
    [property: JsonPropertyName("format")] int Format,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("model_sha256")] string ModelSha256,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("samples")] int Samples,
    [property: JsonPropertyName("sub_call_budget")] int? SubCallBudget,
    [property: JsonPropertyName("token_budget")] int? TokenBudget,
    [property: JsonPropertyName("temperature")] double Temperature,
    [property: JsonPropertyName("top_k")] int TopK,
    [property: JsonPropertyName("top_p")] double TopP,
    [property: JsonPropertyName("limits")] RunLimits Limits,
    [property: JsonPropertyName("concurrency")] int Concurrency,
    [property: JsonPropertyName("torch_threads")] int TorchThreads,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("cores")] int Cores,
    [property: JsonPropertyName("problems_file")] string ProblemsFile,
    [property: JsonPropertyName("problems_sha256")] string ProblemsSha256,
    [property: JsonPropertyName("problems")] int Problems,
    [property: JsonPropertyName("started_utc")] DateTimeOffset StartedUtc,
    [property: JsonPropertyName("wall_seconds")] double WallSeconds,
    [property: JsonPropertyName("summary")] EvalSummary Summary)
{
    public const string Kind = "apr-eval-run";
    public const int CurrentFormat = 1;

    /// <summary>
    /// A sampling setting (a float in the sampler) as the decimal it was given as: 0.1f widens to 0.10000000149011612,
    /// which would make runs at "T 0.1" look like another temperature than a run recorded from a double.
    /// </summary>
    public static double Decimal(double value) => Math.Round(value, 6);
}

/// <summary>The tree limits a run was evaluated under (<see cref="Runtime.TreeLimits"/>).</summary>
public sealed record RunLimits(
    [property: JsonPropertyName("max_children_per_spawn")] int MaxChildrenPerSpawn,
    [property: JsonPropertyName("max_depth")] int MaxDepth,
    [property: JsonPropertyName("max_tokens_per_thread")] int MaxTokensPerThread,
    [property: JsonPropertyName("max_total_tokens")] int MaxTotalTokens)
{
    public static RunLimits From(Runtime.TreeLimits limits) =>
        new(limits.MaxChildrenPerSpawn, limits.MaxDepth, limits.MaxTokensPerThread, limits.MaxTotalTokens);
}
