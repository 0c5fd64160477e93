using System.CommandLine;
using AprOrleans.CommandLine;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// The options of <c>trainer grpo</c>. None has a parser default: a value not given comes from the checkpoint a run
/// resumes, else from <see cref="GrpoRunSettings"/>. Ranges are checked while parsing.
/// </summary>
public sealed class GrpoOptions
{
    public Option<string?> Silo { get; } = ValueOptions.OptionalText("--silo", "the silo's gRPC address, e.g. http://127.0.0.1:5080 (required)");
    public Option<string?> Experiment { get; } = ValueOptions.OptionalText("--experiment", "the experiment to train (required unless --resume)");
    public Option<string?> Token { get; } = ValueOptions.OptionalText("--token", $"the silo's admin token (default: env {GrpoCommand.TokenVariable})");
    public Option<string?> Init { get; } = ValueOptions.OptionalText("--init", "model directory a new run starts from (this or --resume)");
    public Option<string?> Resume { get; } = ValueOptions.OptionalText("--resume", "checkpoint directory a run continues from (this or --init); auto: the run folder's newest checkpoint, else a new run from --init");
    public Option<string?> Out { get; } = ValueOptions.OptionalText("--out", "run folder (default runs/grpo/EXPERIMENT; on --resume the original run's)");
    public Option<string?> Device { get; } = ValueOptions.OptionalText("--device", "cpu or cuda:N (default cpu)");
    public Option<string?> Precision { get; } = ValueOptions.OptionalText("--precision", "fp32 or bf16 (default: bf16 on CUDA, fp32 on the CPU)");
    public Option<double?> LearningRate { get; } = ValueOptions.OptionalDouble("--lr", "learning rate (default 1e-5)", min: 0, exclusive: true);
    public Option<string?> Variant { get; } = ValueOptions.OptionalText("--variant", "grpo, drgrpo or dapo (default grpo)");
    public Option<double?> KlBeta { get; } = ValueOptions.OptionalDouble("--kl-beta", "KL penalty to the reference policy (default 0.001)", min: 0);
    public Option<int?> InnerUpdates { get; } = ValueOptions.OptionalInt("--inner-updates", "updates per step on its groups (default 2)", min: 1, max: 64);
    public Option<int?> Staleness { get; } = ValueOptions.OptionalInt("--staleness", "most weight versions a trajectory may lag (default: no bound)", min: 0);
    public Option<int?> MicroBatchTokens { get; } = ValueOptions.OptionalInt("--micro-batch-tokens", "padded tokens per micro-batch (default 32768)", min: 256);
    public Option<int?> Seed { get; } = ValueOptions.OptionalInt("--seed", "seed (default 1)", min: 0);
    public Option<int?> Threads { get; } = ValueOptions.OptionalInt("--threads", "libtorch CPU threads (default one per core)", min: 1, max: 1024);
    public Option<int?> UntilStep { get; } = ValueOptions.OptionalInt("--until-step", "stop when the trainer reaches this step (default: when the experiment is done)", min: 1);
    public Option<string?> PublishDType { get; } = ValueOptions.OptionalText("--publish-dtype", "fp32 or bf16: the published weights (default fp32)");
    public Option<double?> MaxStartGap { get; } = ValueOptions.OptionalDouble("--max-start-gap", "largest sampler gap the first step accepts (rollouts from another model)", min: 0, exclusive: true);
    public Option<string?> SharedWeights { get; } = ValueOptions.OptionalText("--shared-weights", "the trainer's mount of the silos' shared weights volume: publish through it instead of uploading");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[]
                 {
                     Silo, Experiment, Token, Init, Resume, Out, Device, Precision, LearningRate, Variant, KlBeta, InnerUpdates,
                     Staleness, MicroBatchTokens, Seed, Threads, UntilStep, PublishDType, MaxStartGap, SharedWeights,
                 })
            command.Options.Add(option);
    }
}
