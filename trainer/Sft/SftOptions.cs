using System.CommandLine;
using AprOrleans.CommandLine;

namespace AprOrleans.Trainer.Sft;

/// <summary>
/// The options of <c>trainer sft</c>. None has a parser default: a value not given comes from the checkpoint a run
/// resumes (or a model it starts from), else from <see cref="SftSettings"/>, so <see cref="SftCommand"/> must tell
/// "not given" apart. Ranges are checked while parsing.
/// </summary>
public sealed class SftOptions
{
    public Option<string?> Demos { get; } = ValueOptions.OptionalText("--demos", "demonstration file (JSON Lines); instead of --numbers/--solver");
    public Option<int?> Numbers { get; } = ValueOptions.OptionalInt("--numbers", "generate demonstrations for problems with this many numbers (default 3)", min: 2, max: 6);
    public Option<string?> Solver { get; } = ValueOptions.OptionalText("--solver", "apr or sosp (SoS+; sos also accepted): the solver that writes the generated demonstrations (default apr)");
    public Option<string?> Exclude { get; } = ValueOptions.OptionalText("--exclude", "problem files (comma-separated) whose problems are never generated");
    public Option<string?> Preset { get; } = ValueOptions.OptionalText("--preset", "tiny, small, base or paper (default: --init's, else tiny)");
    public Option<int?> Context { get; } = ValueOptions.OptionalInt("--context", "positions (default: the preset's, or --init's)", min: 16, max: 1 << 20);
    public Option<double?> BudgetPrefix { get; } = ValueOptions.OptionalDouble("--budget-prefix", "share of demonstrations with a budget prefix, 0..1 (default 0)", min: 0);
    public Option<int?> TokenBudgetStep { get; } = ValueOptions.OptionalInt("--token-budget-step", "SoS+ budgets round up to this many tokens (default 512)", min: 1);
    public Option<string?> Device { get; } = ValueOptions.OptionalText("--device", "cpu or cuda:N (default cpu)");
    public Option<string?> Precision { get; } = ValueOptions.OptionalText("--precision", "fp32 or bf16 (default: bf16 on CUDA, fp32 on the CPU; fp32 master weights either way)");
    public Option<int?> Steps { get; } = ValueOptions.OptionalInt("--steps", "training steps (default 1000)", min: 1);
    public Option<int?> BatchTokens { get; } = ValueOptions.OptionalInt("--batch-tokens", "padded tokens per batch (default 8192)", min: 16);
    public Option<int?> Accumulate { get; } = ValueOptions.OptionalInt("--accumulate", "batches of --batch-tokens per optimizer step, gradients summed (default 1)", min: 1);
    public Option<double?> LearningRate { get; } = ValueOptions.OptionalDouble("--lr", "peak learning rate (default 5e-5)", min: 0, exclusive: true);
    public Option<double?> WeightDecay { get; } = ValueOptions.OptionalDouble("--weight-decay", "AdamW weight decay (default 0.01)", min: 0);
    public Option<int?> Warmup { get; } = ValueOptions.OptionalInt("--warmup", "linear warmup steps (default 5 % of the steps, at most 100)", min: 0);
    public Option<int?> Seed { get; } = ValueOptions.OptionalInt("--seed", "data and initialization seed (default 1)", min: 0);
    public Option<string?> Out { get; } = ValueOptions.OptionalText("--out", "run folder (default runs/sft; on --resume the original run's)");
    public Option<int?> EvalEvery { get; } = ValueOptions.OptionalInt("--eval-every", "validation every N steps, 0 = never (default 100)", min: 0);
    public Option<int?> SaveEvery { get; } = ValueOptions.OptionalInt("--save-every", "checkpoint every N steps, 0 = only at the end (default 500)", min: 0);
    public Option<int?> LogEvery { get; } = ValueOptions.OptionalInt("--log-every", "progress line every N steps (default 10)", min: 1);
    public Option<int?> Threads { get; } = ValueOptions.OptionalInt("--threads", "libtorch CPU threads (default one per core)", min: 1, max: 1024);
    public Option<string?> Resume { get; } = ValueOptions.OptionalText("--resume", "checkpoint directory to continue a run from; auto: --out's newest checkpoint, or a new run (from --init) when it has none");
    public Option<string?> Init { get; } = ValueOptions.OptionalText("--init", "model directory to start a new run from (a warm start)");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
                 {
                     Demos, Numbers, Solver, Exclude, Preset, Context, BudgetPrefix, TokenBudgetStep, Device, Precision, Steps, BatchTokens, Accumulate,
                     LearningRate, WeightDecay, Warmup, Seed, Out, EvalEvery, SaveEvery, LogEvery, Threads, Resume, Init,
                 })
            command.Options.Add(option);
    }
}
