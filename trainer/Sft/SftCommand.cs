using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Trainer.Cli;
using AprOrleans.Trainer.Data;

namespace AprOrleans.Trainer.Sft;

/// <summary>
/// <c>trainer sft</c>: parses options, runs <see cref="SftTrainer"/>, prints progress / validation lines and
/// writes checkpoints and {out}/metrics.jsonl. Exit codes: 0 done, 2 bad options, 1 failure during the run.
/// </summary>
public static class SftCommand
{
    public const string Usage =
        "usage: trainer sft [--demos FILE | --numbers 3 --solver apr|sos [--exclude PROBLEMS.jsonl[,...]]] [--preset tiny|small|base|paper (default: --init's, else tiny)]\n" +
        "                   [--context POSITIONS (default: the preset's)] [--budget-prefix FRACTION (0..1, default 0)]\n" +
        "                   [--token-budget-step N (SoS+ budgets round up to N tokens, default 512)] [--device cpu|cuda:N]\n" +
        "                   [--precision fp32|bf16 (default: bf16 on CUDA, fp32 on the CPU; fp32 master weights either way)]\n" +
        "                   [--steps N] [--batch-tokens N] [--lr X] [--weight-decay X] [--warmup N] [--seed N] [--out DIR]\n" +
        "                   [--eval-every N] [--save-every N] [--log-every N] [--threads N] [--resume CHECKPOINT_DIR | --init MODEL_DIR]";

    private static readonly string[] Known =
    [
        "demos", "numbers", "solver", "preset", "device", "steps", "batch-tokens", "lr", "weight-decay", "warmup",
        "seed", "out", "eval-every", "save-every", "log-every", "resume", "threads", "init", "precision", "exclude", "context",
        "budget-prefix", "token-budget-step",
    ];

    // Options that fix the data stream or the network: on --resume they must agree with the checkpoint.
    private static readonly string[] FixedOnResume = ["demos", "numbers", "solver", "preset", "seed", "batch-tokens", "exclude", "context", "budget-prefix", "token-budget-step"];

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        SftSettings settings;
        string? resume;
        int logEvery;
        int? threads;
        try
        {
            (settings, resume, logEvery, threads) = Parse(args);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"trainer sft: {e.Message}");
            return 2;
        }

        try
        {
            if (threads is int n) TorchSharp.torch.set_num_threads(n);
            using var trainer = resume is null ? SftTrainer.Start(settings) : SftTrainer.Resume(resume, _ => settings);
            return Train(trainer, logEvery, stdout);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or Countdown.IO.InputFileException
                                      or Countdown.Problems.ProblemSpaceExhaustedException)
        {
            stderr.WriteLine($"trainer sft: {e.Message}");
            return 1;
        }
    }

    internal static (SftSettings Settings, string? Resume, int LogEvery, int? Threads) Parse(IReadOnlyList<string> args)
    {
        var o = new OptionParser(args, Known);
        var resume = o.String("resume");
        SftSettings baseSettings = new();
        if (resume is not null)
        {
            TrainerState state;
            try { state = TrainerState.Read(resume); }
            catch (Exception e) when (e is IOException or InvalidDataException) { throw new UsageException($"--resume {resume}: {e.Message}"); }
            baseSettings = state.Settings;
            foreach (var name in FixedOnResume.Where(o.Has))
            {
                string saved = name switch
                {
                    "demos" => baseSettings.DemosPath ?? "",
                    "numbers" => baseSettings.Numbers.ToString(CultureInfo.InvariantCulture),
                    "solver" => baseSettings.Solver,
                    "preset" => baseSettings.Preset,
                    "seed" => baseSettings.Seed.ToString(CultureInfo.InvariantCulture),
                    "exclude" => string.Join(",", baseSettings.ExcludePaths ?? []),
                    "context" => baseSettings.Context?.ToString(CultureInfo.InvariantCulture) ?? "",
                    "budget-prefix" => baseSettings.BudgetPrefix.ToString(CultureInfo.InvariantCulture),
                    "token-budget-step" => baseSettings.TokenBudgetStep.ToString(CultureInfo.InvariantCulture),
                    _ => baseSettings.BatchTokens.ToString(CultureInfo.InvariantCulture),
                };
                string given = name switch
                {
                    "demos" => Path.GetFullPath(o.String(name)!),
                    "exclude" => string.Join(",", AbsolutePaths(o.String(name)!)),
                    "budget-prefix" => (o.Double(name, 0) ?? 0).ToString(CultureInfo.InvariantCulture),
                    _ => o.String(name)!,
                };
                if (given != saved) throw new UsageException($"--{name} {o.String(name)} differs from the checkpoint's {saved}; a resumed run keeps it");
            }
        }
        if (o.Has("demos") && (o.Has("numbers") || o.Has("solver")))
            throw new UsageException("--demos reads demonstrations from a file; --numbers/--solver generate them: give one or the other");

        if (o.Has("exclude") && (o.Has("demos") || baseSettings.DemosPath is not null))
            throw new UsageException("--exclude filters generated problems; a demonstration file is filtered when it is made (apr data problems --exclude)");
        string[]? exclude = o.String("exclude") is { } excludeList ? AbsolutePaths(excludeList) : baseSettings.ExcludePaths;
        foreach (var file in exclude ?? [])
            if (!File.Exists(file)) throw new UsageException($"--exclude '{file}': file not found");

        var init = o.String("init");
        if (init is not null && resume is not null)
            throw new UsageException("--init starts a new run from a model's weights; --resume continues a run: give one or the other");
        if (init is not null && !File.Exists(Path.Combine(init, "model.safetensors")))
            throw new UsageException($"--init '{init}': no model.safetensors there");
        if (init is not null) init = Path.GetFullPath(init);

        // A warm start trains the model it starts from: its preset, which --preset may repeat but not change.
        string? initPreset = init is not null ? PresetOf(init) : null;
        if (init is not null && initPreset is null && !o.Has("preset"))
            throw new UsageException($"--init '{init}': its config.json names no preset ({string.Join(", ", ModelConfig.PresetNames)}); give --preset");
        var preset = o.String("preset") ?? initPreset ?? baseSettings.Preset;
        if (initPreset is not null && preset != initPreset)
            throw new UsageException($"--preset {preset}: --init '{init}' holds a {initPreset} model; leave --preset out (for a larger preset, trainer grow it first)");
        if (!ModelConfig.PresetNames.Contains(preset))
            throw new UsageException($"--preset '{preset}': unknown preset (known: {string.Join(", ", ModelConfig.PresetNames)})");
        var solver = o.String("solver") ?? baseSettings.Solver;
        if (solver is not ("apr" or "sos"))
            throw new UsageException($"--solver '{solver}': expected apr or sos");
        var device = o.String("device") ?? baseSettings.Device;
        if (device == "meta") throw new UsageException("--device meta: cannot train without storage");
        try { DeviceSelection.Parse(device); }
        catch (ArgumentException e) { throw new UsageException($"--device: {e.Message}"); }
        var precision = o.String("precision") ?? baseSettings.Precision;
        if (TrainingPrecision.Problem(precision) is { } badPrecision) throw new UsageException(badPrecision);
        var demos = o.String("demos") ?? baseSettings.DemosPath;
        if (demos is not null && !File.Exists(demos))
            throw new UsageException($"--demos '{demos}': file not found");
        // Absolute, so that a checkpoint resumes from any working directory.
        if (demos is not null) demos = Path.GetFullPath(demos);

        var settings = baseSettings with
        {
            Preset = preset,
            Device = device,
            Precision = precision,
            Solver = solver,
            DemosPath = demos,
            InitPath = init ?? baseSettings.InitPath,
            Numbers = o.Int("numbers", 2, 6) ?? baseSettings.Numbers,
            ExcludePaths = exclude,
            Context = o.Int("context", 16, 1 << 20) ?? baseSettings.Context,
            BudgetPrefix = o.Double("budget-prefix", 0) ?? baseSettings.BudgetPrefix,
            TokenBudgetStep = o.Int("token-budget-step", 1) ?? baseSettings.TokenBudgetStep,
            Steps = o.Int("steps", 1) ?? baseSettings.Steps,
            BatchTokens = o.Int("batch-tokens", 16) ?? baseSettings.BatchTokens,
            LearningRate = o.Double("lr", 0, exclusive: true) ?? baseSettings.LearningRate,
            WeightDecay = o.Double("weight-decay", 0) ?? baseSettings.WeightDecay,
            WarmupSteps = o.Int("warmup", 0) ?? baseSettings.WarmupSteps,
            Seed = o.Int("seed", 0) ?? baseSettings.Seed,
            Out = o.String("out") ?? (resume is not null ? Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(resume).TrimEnd('/')))! : baseSettings.Out),
            EvalEvery = o.Int("eval-every", 0) ?? baseSettings.EvalEvery,
            SaveEvery = o.Int("save-every", 0) ?? baseSettings.SaveEvery,
        };
        // Pool sizes follow the batch size (see PoolSizing); a resumed run keeps the ones it was planned with.
        if (resume is null)
            settings = settings with
            {
                ProblemsPerPool = PoolSizing.Problems(settings.BatchTokens),
                SequencesPerPool = PoolSizing.FileSequences(settings.BatchTokens),
            };
        if (settings.BudgetPrefix > 1)
            throw new UsageException($"--budget-prefix {settings.BudgetPrefix.ToString(CultureInfo.InvariantCulture)}: a share of the demonstrations, 0..1");
        if (settings.WarmupSteps is int w && w > settings.Steps)
            throw new UsageException($"--warmup {w}: more than --steps {settings.Steps}");
        // Threads: libtorch defaults to one per core; on a shared machine fewer can be faster (OpenMP barriers spin).
        return (settings, resume, o.Int("log-every", 1) ?? 10, o.Int("threads", 1, 1024));
    }

    /// <summary>The preset recorded in a checkpoint's config.json; null when it names none (then --preset must, and the shapes must agree).</summary>
    private static string? PresetOf(string checkpoint)
    {
        var config = CheckpointDirectories.Readable("init", checkpoint, () => ModelCheckpoint.ReadConfig(checkpoint));
        return ModelConfig.PresetNames.Contains(config.Preset) ? config.Preset : null;
    }

    private static string[] AbsolutePaths(string commaSeparated) =>
        [.. commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Path.GetFullPath)];

    private static int Train(SftTrainer trainer, int logEvery, TextWriter stdout)
    {
        var s = trainer.Settings;
        Directory.CreateDirectory(s.Out);
        var metricsPath = Path.Combine(s.Out, "metrics.jsonl");
        TrimMetrics(metricsPath, trainer.Step);
        stdout.WriteLine($"sft: preset {s.Preset} ({trainer.Model.Config.ParameterCount / 1e6:F2}M parameters) on {s.Device} ({s.EffectivePrecision}); {trainer.Source.Description}; " +
                         $"{trainer.Source.Validation.Count} validation sequences; from step {trainer.Step} to {s.Steps}");
        var clock = Stopwatch.StartNew();
        long tokensSinceStart = 0;
        int startStep = trainer.Step;
        using var metrics = new StreamWriter(metricsPath, append: true) { NewLine = "\n", AutoFlush = true };
        while (trainer.Step < s.Steps)
        {
            var r = trainer.TrainStep();
            tokensSinceStart += r.RealTokens;
            double elapsed = clock.Elapsed.TotalSeconds;
            double? valLoss = null;
            if (s.EvalEvery > 0 && r.Step % s.EvalEvery == 0 || r.Step == s.Steps && s.EvalEvery > 0)
                valLoss = trainer.Evaluate();
            metrics.WriteLine(JsonSerializer.Serialize(new
            {
                step = r.Step, loss = r.Loss, lr = r.LearningRate, grad_norm = r.GradNorm, rows = r.Rows,
                tokens = r.RealTokens, padded_tokens = r.PaddedTokens, val_loss = valLoss,
            }));
            if (r.Step % logEvery == 0 || r.Step == s.Steps || r.Step == startStep + 1)
            {
                double tokensPerSecond = tokensSinceStart / Math.Max(elapsed, 1e-9);
                double eta = elapsed / (r.Step - startStep) * (s.Steps - r.Step);
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {r.Step}/{s.Steps} loss {r.Loss:F4} lr {r.LearningRate:E2} grad {r.GradNorm:F3} tok/s {tokensPerSecond:F0} " +
                    $"pad {trainer.PaddingFraction:P1} eta {TimeSpan.FromSeconds(Math.Round(eta)):c}"));
            }
            if (valLoss is double v)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"eval step {r.Step} val_loss {v:F4}"));
            if (s.SaveEvery > 0 && r.Step % s.SaveEvery == 0 || r.Step == s.Steps)
                stdout.WriteLine($"checkpoint {trainer.SaveCheckpoint()}");
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done: {trainer.Step} steps, padding {trainer.PaddingFraction:P2} of {trainer.PaddedTokens} batch tokens, " +
            $"{trainer.Source.SkippedTooLong} sequences skipped as longer than the context"));
        return 0;
    }

    /// <summary>On resume, drops metric lines past the checkpoint's step so the file shows one continuous run.</summary>
    private static void TrimMetrics(string path, int step)
    {
        if (!File.Exists(path)) return;
        var kept = File.ReadLines(path).Where(line =>
        {
            try { return JsonDocument.Parse(line).RootElement.GetProperty("step").GetInt32() <= step; }
            catch (JsonException) { return false; }
        }).ToList();
        File.WriteAllLines(path, kept);
    }
}
