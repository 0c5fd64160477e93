using System.CommandLine;
using System.Globalization;
using AprOrleans.Api;
using AprOrleans.CommandLine;
using AprOrleans.Model;
using AprOrleans.Trainer.Cli;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// <c>trainer grpo</c>: the learner of an experiment. Per step s: pull the experiment's groups of step s from the
/// silo, train (GRPO), save a checkpoint, publish the weights as version base_version + s + 1, wait until every
/// batcher serves them, and report the step. The order makes a kill at any point recoverable with
/// <c>--resume</c>: a checkpoint whose report never reached the silo is published and reported first.
/// Exit codes: 0 done, 2 bad options, 1 failure.
/// </summary>
public static class GrpoCommand
{
    /// <summary>Where the admin token comes from when --token is not given (a Kubernetes Job sets it from a Secret).</summary>
    public const string TokenVariable = "APR_ADMIN_TOKEN";

    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(120);

    /// <param name="SharedWeights">The trainer's mount of the cluster's shared weights volume (publish through it), or null (upload).</param>
    public sealed record Options(GrpoRunSettings Settings, Uri Silo, string Token, string? Resume, int? Threads, int? UntilStep, string? SharedWeights = null);

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var options = new GrpoOptions();
        var command = new Command("grpo", "The learner of a GRPO experiment: pull each step's groups from the silo, train, checkpoint, publish, report");
        options.AddTo(command);
        command.SetAction(parse => Run(Parse(parse, options, Environment.GetEnvironmentVariable(TokenVariable)), stdout, stderr));
        return command;
    }

    /// <summary>The options <c>trainer grpo ARGS</c> asks for, checked as the command line checks them.</summary>
    public static Options Parse(IReadOnlyList<string> args, string? tokenFromEnvironment)
    {
        var options = new GrpoOptions();
        var command = new Command("grpo");
        options.AddTo(command);
        return Parse(CommandLineProgram.ParseOrThrow(new RootCommand { command }, ["grpo", .. args]), options, tokenFromEnvironment);
    }

    public static int Run(Options options, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        try
        {
            if (options.Threads is int n) TorchSharp.torch.set_num_threads(n);
            return RunAsync(options, stdout, stderr, ct).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or RpcException or GrpoRunException)
        {
            stderr.WriteLine($"trainer grpo: {(e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : e.Message)}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("trainer grpo: cancelled; the last checkpoint is the place to --resume from");
            return 1;
        }
    }

    private static Options Parse(ParseResult p, GrpoOptions o, string? tokenFromEnvironment)
    {
        var silo = p.GetValue(o.Silo) ?? throw new UsageException("--silo URL is required (the silo's gRPC address, e.g. http://127.0.0.1:5080)");
        if (!Uri.TryCreate(silo, UriKind.Absolute, out var siloUri) || siloUri.Scheme is not ("http" or "https"))
            throw new UsageException($"--silo '{silo}': expected an http:// or https:// URL");
        var token = p.GetValue(o.Token) ?? tokenFromEnvironment;
        if (string.IsNullOrWhiteSpace(token)) throw new UsageException("--token (or the environment variable APR_ADMIN_TOKEN) is required: the silo's admin token");
        var resume = p.GetValue(o.Resume);
        var init = p.GetValue(o.Init);
        if (resume == AutoResume.Keyword)
        {
            // The run folder as a new run would have it: --out, else runs/grpo/EXPERIMENT.
            var experimentName = p.GetValue(o.Experiment) ?? throw new UsageException("--resume auto needs --experiment NAME (the run folder defaults to runs/grpo/NAME)");
            resume = AutoResume.NewestCheckpoint(p.GetValue(o.Out) ?? Path.Combine("runs", "grpo", experimentName));
            if (resume is not null) init = null;
            else if (init is null) throw new UsageException("--resume auto found no checkpoint in the run folder: give --init MODEL_DIR for the run's start");
        }
        if (resume is null == (init is null)) throw new UsageException("give --init MODEL_DIR (a new run) or --resume CHECKPOINT_DIR (continue a run), exactly one (or both with --resume auto)");

        GrpoRunSettings saved = new();
        if (resume is not null)
        {
            try { saved = GrpoTrainerState.Read(resume).Settings; }
            catch (Exception e) when (e is IOException or InvalidDataException) { throw new UsageException($"--resume {resume}: {e.Message}"); }
        }
        else if (!File.Exists(Path.Combine(init!, "model.safetensors")))
            throw new UsageException($"--init '{init}': no model.safetensors there");

        var experiment = p.GetValue(o.Experiment) ?? (resume is not null ? saved.Experiment : throw new UsageException("--experiment NAME is required"));
        if (resume is not null && experiment != saved.Experiment)
            throw new UsageException($"--experiment {experiment} differs from the checkpoint's {saved.Experiment}");
        var variant = p.GetValue(o.Variant) ?? saved.Variant;
        if (!GrpoRunSettings.Variants.Contains(variant))
            throw new UsageException($"--variant '{variant}': expected one of {string.Join(", ", GrpoRunSettings.Variants)}");
        var publishDType = p.GetValue(o.PublishDType) ?? saved.PublishDType;
        if (!GrpoRunSettings.PublishDTypes.Contains(publishDType))
            throw new UsageException($"--publish-dtype '{publishDType}': expected one of {string.Join(", ", GrpoRunSettings.PublishDTypes)}");
        var precision = p.GetValue(o.Precision) ?? saved.Precision;
        if (TrainingPrecision.Problem(precision) is { } badPrecision) throw new UsageException(badPrecision);
        var device = p.GetValue(o.Device) ?? saved.Device;
        try { DeviceSelection.Parse(device); }
        catch (ArgumentException e) { throw new UsageException($"--device: {e.Message}"); }
        if (device == "meta") throw new UsageException("--device meta: cannot train without storage");

        var settings = saved with
        {
            Experiment = experiment,
            InitPath = init is null ? saved.InitPath : Path.GetFullPath(init),
            Out = p.GetValue(o.Out) ?? (resume is not null ? CheckpointDirectories.RunOf(resume) : Path.Combine("runs", "grpo", experiment)),
            Device = device,
            Precision = precision,
            Variant = variant,
            LearningRate = p.GetValue(o.LearningRate) ?? saved.LearningRate,
            KlBeta = p.GetValue(o.KlBeta) ?? saved.KlBeta,
            InnerUpdates = p.GetValue(o.InnerUpdates) ?? saved.InnerUpdates,
            StalenessBound = p.GetValue(o.Staleness) ?? saved.StalenessBound,
            MicroBatchTokens = p.GetValue(o.MicroBatchTokens) ?? saved.MicroBatchTokens,
            Seed = p.GetValue(o.Seed) ?? saved.Seed,
            PublishDType = publishDType,
            MaxStartGap = p.GetValue(o.MaxStartGap) ?? saved.MaxStartGap,
        };
        // Where the volume is mounted is a property of this process, not of the run: it is not saved with the checkpoint.
        var shared = p.GetValue(o.SharedWeights);
        if (shared is not null && !Directory.Exists(shared))
            throw new UsageException($"--shared-weights '{shared}': no such directory (the trainer's mount of the silos' Apr:SharedWeightsDirectory)");
        return new Options(settings, siloUri, token, resume, p.GetValue(o.Threads), p.GetValue(o.UntilStep),
            shared is null ? null : Path.GetFullPath(shared));
    }

    private static async Task<int> RunAsync(Options options, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        // Groups of a step can be tens of MB (every token's context, log-prob and version).
        using var channel = GrpcChannel.ForAddress(options.Silo, new GrpcChannelOptions { MaxReceiveMessageSize = 512 << 20 });
        var feed = new RolloutFeed(channel, options.Token, stderr);
        var publisher = new PolicyPublisher(channel, options.Token, options.SharedWeights);
        using var trainer = options.Resume is null ? GrpoTrainer.Start(options.Settings) : GrpoTrainer.Resume(options.Resume, _ => options.Settings);
        var s = trainer.Settings;
        Directory.CreateDirectory(s.Out);
        var experiment = await feed.GetAsync(s.Experiment, ct);
        stdout.WriteLine($"grpo: experiment {experiment.Name} ({experiment.Status}, step {experiment.Step}/{experiment.Config.MaxSteps}, " +
                         $"base version {experiment.BaseVersion}); trainer at step {trainer.Step}; {s.Variant}, lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)}, " +
                         $"{trainer.Policy.Config.ParameterCount / 1e6:F2}M parameters on {s.Device}; checkpoints in {s.Out}");
        if (experiment.Status == ExperimentStatus.ExperimentCreated)
            throw new GrpoRunException($"experiment {experiment.Name} is not started yet (apr experiment start {experiment.Name})");
        if (options.Resume is not null)
            experiment = await FinishUnreportedStepAsync(options.Resume, experiment, feed, publisher, stdout, ct);
        if (experiment.Step != trainer.Step)
            throw new GrpoRunException(
                $"experiment {experiment.Name} is at step {experiment.Step} but the trainer is at step {trainer.Step}: " +
                $"resume from {TrainingCheckpoint.PathFor(s.Out, experiment.Step)}");

        var metricsPath = Path.Combine(s.Out, "metrics.jsonl");
        while (experiment.Status != ExperimentStatus.ExperimentDone && trainer.Step < (options.UntilStep ?? int.MaxValue))
        {
            int step = trainer.Step;
            var pulled = System.Diagnostics.Stopwatch.StartNew();
            var progress = new ProgressLine(stdout, step);
            var groups = await feed.PullAsync(s.Experiment, step, progress.Report, ct);
            double pullSeconds = pulled.Elapsed.TotalSeconds;

            var stats = trainer.Train(groups, currentVersion: experiment.BaseVersion + step, samplingTemperature: SamplerLogProbTemperature(experiment));
            if (step == 0) StartingPolicyCheck.Verify(stats, s.MaxStartGap, s.InitPath);
            long version = experiment.BaseVersion + step + 1;
            var checkpoint = trainer.SaveCheckpoint(version, stats);
            experiment = await PublishAndReportAsync(PublishedWeights.PathIn(checkpoint, s.PublishDType), version, stats, experiment.Name, feed, publisher, ct);
            GrpoTrainerState.MarkReported(checkpoint);
            var m = experiment.Latest;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"step {step}: {groups.Count} groups (waited {pullSeconds:F1} s) reward {m?.RewardMean ?? double.NaN:F3} children/spawn {m?.ChildrenPerSpawn ?? double.NaN:F2} " +
                $"| loss {stats.Loss:F4} kl {stats.Kl:F5} gap {stats.SamplerGap:F4} clip {stats.ClipFraction:P1} used {stats.TrajectoriesUsed} zero-adv {stats.ZeroAdvantageFraction:P0} " +
                $"train {stats.TrainSeconds:F1} s ({stats.GeneratedTokens / Math.Max(stats.TrainSeconds, 1e-9):F0} tok/s) pad {stats.PaddingFraction:P0} | v{version} publish {m?.PublishSeconds ?? double.NaN:F2} s " +
                $"sync {m?.WeightSyncSeconds ?? double.NaN:F2} s | step wall {pulled.Elapsed.TotalSeconds:F1} s"));
            await File.AppendAllTextAsync(metricsPath, System.Text.Json.JsonSerializer.Serialize(stats) + "\n", ct);
        }
        stdout.WriteLine($"grpo: stopped at step {trainer.Step}; experiment {experiment.Name} is {experiment.Status} at step {experiment.Step}");
        return 0;
    }

    /// <summary>
    /// The temperature the experiment's sampler log-probs were taken at: its sampling temperature (the silo returns the
    /// config with its defaults filled in), or 1 for greedy rollouts, whose log-probs the sampler takes unscaled.
    /// </summary>
    private static float SamplerLogProbTemperature(Experiment experiment) =>
        experiment.Config.Sampling.Temperature is > 0 and var temperature ? temperature : 1f;

    /// <summary>
    /// A checkpoint saved after step s − 1 whose report may not have reached the silo: if the experiment is still
    /// at s − 1, publish the checkpoint's weights and report the step now (both idempotent on the silo).
    /// </summary>
    private static async Task<Experiment> FinishUnreportedStepAsync(string checkpoint, Experiment experiment, RolloutFeed feed,
        PolicyPublisher publisher, TextWriter stdout, CancellationToken ct)
    {
        var state = GrpoTrainerState.Read(checkpoint);
        if (state.Reported || state.LastStep is null || experiment.Step != state.Step - 1) return experiment;
        stdout.WriteLine($"grpo: step {state.Step - 1} was trained and saved but not reported; publishing v{state.WeightVersion} and reporting it");
        experiment = await PublishAndReportAsync(PublishedWeights.PathIn(checkpoint, state.Settings.PublishDType), state.WeightVersion, state.LastStep,
            experiment.Name, feed, publisher, ct);
        GrpoTrainerState.MarkReported(checkpoint);
        return experiment;
    }

    private static async Task<Experiment> PublishAndReportAsync(string weights, long version, GrpoStepStats stats, string experiment,
        RolloutFeed feed, PolicyPublisher publisher, CancellationToken ct)
    {
        var publishSeconds = await publisher.PublishAsync(version, weights, experiment, ct);
        var syncSeconds = await publisher.WaitUntilServedAsync(version, SyncTimeout, ct);
        return await feed.ReportAsync(new StepReport
        {
            Experiment = experiment,
            Step = stats.Step,
            WeightVersion = version,
            Metrics = new StepMetrics
            {
                Step = stats.Step,
                Loss = stats.Loss,
                Kl = stats.Kl,
                SamplerGap = stats.SamplerGap,
                ClipFraction = stats.ClipFraction,
                TrainSeconds = stats.TrainSeconds,
                PublishSeconds = publishSeconds,
                // Not served everywhere within the timeout: reported as NaN rather than a made-up number.
                WeightSyncSeconds = syncSeconds ?? double.NaN,
                TrajectoriesUsed = stats.TrajectoriesUsed,
                WeightVersion = version,
                CompletedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            },
        }, ct);
    }

    /// <summary>Prints the pull progress of a step at most every few seconds (and when the status changes).</summary>
    private sealed class ProgressLine(TextWriter stdout, int step)
    {
        private DateTime _last = DateTime.MinValue;
        private ExperimentStatus _status;

        public void Report(PullProgress p)
        {
            if (DateTime.UtcNow - _last < TimeSpan.FromSeconds(5) && p.Status == _status) return;
            (_last, _status) = (DateTime.UtcNow, p.Status);
            stdout.WriteLine($"step {step}: waiting for rollouts, {p.GroupsReady}/{p.GroupsTotal} groups ready" +
                             (p.Status == ExperimentStatus.ExperimentPaused ? " (experiment paused)" : ""));
        }
    }
}

/// <summary>The run cannot go on as asked (experiment state and checkpoint disagree); the message says what to do.</summary>
public sealed class GrpoRunException(string message) : Exception(message);
