using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// One evaluation configuration. Budgets are the paper's conditioning prefixes: <see cref="SubCallBudget"/>
/// (APR, "Sub Call Budget: N ") and <see cref="TokenBudget"/> (serial, "Token Budget: B "); null leaves the
/// prompt unconditioned.
/// </summary>
public sealed record EvalSettings
{
    public EvalMode Mode { get; init; } = EvalMode.Apr;
    /// <summary>Samples per problem for self-consistency.</summary>
    public int Samples { get; init; } = 1;
    public int? SubCallBudget { get; init; }
    public int? TokenBudget { get; init; }
    public TreeLimits Limits { get; init; } = TreeLimits.Default;
    public SamplingSettings Sampling { get; init; } = SamplingSettings.Greedy;
    /// <summary>Problems decoded at the same time (the engine batches across them).</summary>
    public int Concurrency { get; init; } = 32;

    public string? Validate()
    {
        if (Samples < 1) return "samples must be at least 1";
        if (Mode != EvalMode.SelfConsistency && Samples != 1) return "only sc takes several samples";
        if (SubCallBudget is < 0 or > 10) return "sub call budget must be within 0..10";
        if (TokenBudget is < 1) return "token budget must be positive";
        if (Concurrency < 1) return "concurrency must be at least 1";
        return Limits.Validate();
    }
}
