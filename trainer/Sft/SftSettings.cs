namespace AprOrleans.Trainer.Sft;

/// <summary>Everything that shapes an SFT run. Saved in every checkpoint so a resumed run continues the same run.</summary>
public sealed record SftSettings
{
    public string Preset { get; init; } = "tiny";
    public string Device { get; init; } = "cpu";
    /// <summary>
    /// fp32, or bf16 (a bf16 copy computes forward and backward, fp32 master weights take the update; see
    /// <see cref="Bf16ComputeCopy"/>). Null = the device's default: bf16 on CUDA, fp32 on the CPU.
    /// </summary>
    public string? Precision { get; init; }
    public int Steps { get; init; } = 1000;
    public int BatchTokens { get; init; } = 8192;
    /// <summary>
    /// Batches of <see cref="BatchTokens"/> (micro-batches) whose gradients one optimizer step sums: the batch that fits
    /// the device's memory times this is the batch the optimizer sees. Steps, schedule and checkpoints count optimizer
    /// steps. 1 = a step per batch (also for runs saved before this setting).
    /// </summary>
    public int Accumulate { get; init; } = 1;
    public double LearningRate { get; init; } = 5e-5;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Warmup steps; null = 5% of the steps, at most 100.</summary>
    public int? WarmupSteps { get; init; }
    public double GradClip { get; init; } = 1.0;
    public int Seed { get; init; } = 1;
    public string Out { get; init; } = "runs/sft";
    public int EvalEvery { get; init; } = 100;
    public int SaveEvery { get; init; } = 500;
    /// <summary>A demonstration file, or null to generate demonstrations on the fly.</summary>
    public string? DemosPath { get; init; }
    public int Numbers { get; init; } = 3;
    public string Solver { get; init; } = "apr";
    /// <summary>
    /// Problem files (absolute paths) whose problems generated data never contains: the held-out splits that
    /// evaluation uses. Generated data only; a demonstration file is filtered when it is made.
    /// </summary>
    public string[]? ExcludePaths { get; init; }
    /// <summary>
    /// The model's context window in positions; null = the preset's. RoPE has no weights, so this changes no
    /// parameter: it lets a small preset learn Countdown-4's longer threads.
    /// </summary>
    public int? Context { get; init; }
    /// <summary>
    /// The share of demonstrations (0..1) whose root prompt carries its budget prefix ("Sub Call Budget: N" with N
    /// the APR parent's beam, "Token Budget: B" for SoS+; see BudgetConditioning), so the model can be asked for a
    /// search width. 0 = none (the default; runs saved before this setting read as 0).
    /// </summary>
    public double BudgetPrefix { get; init; }
    /// <summary>
    /// What a SoS+ trace's length is rounded up to in its "Token Budget: B" label: the paper's 512 by default (and for
    /// runs saved before this setting); a finer step gives short Countdown-3 traces more than one budget to sweep.
    /// </summary>
    public int TokenBudgetStep { get; init; } = Countdown.Trace.ConditioningPrefix.TokenBudgetStep;
    /// <summary>Problems per generated pool (the unit of length bucketing).</summary>
    public int ProblemsPerPool { get; init; } = 128;
    /// <summary>File sequences per pool (the unit of length bucketing for <see cref="DemosPath"/>).</summary>
    public int SequencesPerPool { get; init; } = 1024;
    public int ValidationProblems { get; init; } = 16;
    /// <summary>
    /// A model checkpoint whose weights start the run (a warm start: continued SFT on more data, or a bigger
    /// token budget); the optimizer, schedule and data stream still start fresh. Null = seeded random init.
    /// </summary>
    public string? InitPath { get; init; }

    public int EffectiveWarmup => WarmupSteps ?? Math.Min(100, Steps / 20);

    /// <summary><see cref="Precision"/>, or the device's default when it is not set.</summary>
    public string EffectivePrecision => TrainingPrecision.Resolve(Precision, Device);
}
