using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Solvers;
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
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var options = new SftOptions();
        var command = new Command("sft", "Supervised training on demonstrations (a file, or generated on the fly); checkpoints and metrics.jsonl in --out");
        options.AddTo(command);
        command.SetAction(parse => Run(Parse(parse, options), stdout, stderr));
        return command;
    }

    private static int Run((SftSettings Settings, string? Resume, int LogEvery, int? Threads) run, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (run.Threads is int n) TorchSharp.torch.set_num_threads(n);
            using var trainer = run.Resume is null ? SftTrainer.Start(run.Settings) : SftTrainer.Resume(run.Resume, _ => run.Settings);
            return Train(trainer, run.LogEvery, stdout);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or Countdown.IO.InputFileException
                                      or Countdown.Problems.ProblemSpaceExhaustedException)
        {
            stderr.WriteLine($"trainer sft: {e.Message}");
            return 1;
        }
    }

    /// <summary>The run the options ask for; what they cannot mean is a <see cref="UsageException"/> naming the option.</summary>
    internal static (SftSettings Settings, string? Resume, int LogEvery, int? Threads) Parse(ParseResult p, SftOptions o)
    {
        bool auto = p.GetValue(o.Resume) == AutoResume.Keyword;
        var resume = auto ? AutoResume.NewestCheckpoint(p.GetValue(o.Out) ?? new SftSettings().Out) : p.GetValue(o.Resume);
        SftSettings baseSettings = new();
        if (resume is not null)
        {
            TrainerState state;
            try { state = TrainerState.Read(resume); }
            catch (Exception e) when (e is IOException or InvalidDataException) { throw new UsageException($"--resume {resume}: {e.Message}"); }
            baseSettings = state.Settings;
            foreach (var (option, saved, given) in FixedOnResume(p, o, baseSettings).Where(f => p.IsGiven(f.Option)))
                if (given != saved)
                    throw new UsageException($"{option.Name} {p.GetResult(option)!.Tokens[0].Value} differs from the checkpoint's {saved}; a resumed run keeps it");
        }
        if (p.IsGiven(o.Demos) && (p.IsGiven(o.Numbers) || p.IsGiven(o.Solver)))
            throw new UsageException("--demos reads demonstrations from a file; --numbers/--solver generate them: give one or the other");

        if (p.IsGiven(o.Exclude) && (p.IsGiven(o.Demos) || baseSettings.DemosPath is not null))
            throw new UsageException("--exclude filters generated problems; a demonstration file is filtered when it is made (apr data problems --exclude)");
        string[]? exclude = p.GetValue(o.Exclude) is { } excludeList ? AbsolutePaths(excludeList) : baseSettings.ExcludePaths;
        foreach (var file in exclude ?? [])
            if (!File.Exists(file)) throw new UsageException($"--exclude '{file}': file not found");

        // With --resume auto, --init is what a run that has no checkpoint yet starts from.
        var init = auto && resume is not null ? null : p.GetValue(o.Init);
        if (init is not null && resume is not null)
            throw new UsageException("--init starts a new run from a model's weights; --resume continues a run: give one or the other (or --resume auto)");
        if (init is not null && !File.Exists(Path.Combine(init, "model.safetensors")))
            throw new UsageException($"--init '{init}': no model.safetensors there");
        if (init is not null) init = Path.GetFullPath(init);

        // A warm start trains the model it starts from: its preset, which --preset may repeat but not change.
        string? initPreset = init is not null ? PresetOf(init) : null;
        if (init is not null && initPreset is null && !p.IsGiven(o.Preset))
            throw new UsageException($"--init '{init}': its config.json names no preset ({string.Join(", ", ModelConfig.PresetNames)}); give --preset");
        var preset = p.GetValue(o.Preset) ?? initPreset ?? baseSettings.Preset;
        if (initPreset is not null && preset != initPreset)
            throw new UsageException($"--preset {preset}: --init '{init}' holds a {initPreset} model; leave --preset out (for a larger preset, trainer grow it first)");
        if (!ModelConfig.PresetNames.Contains(preset))
            throw new UsageException($"--preset '{preset}': unknown preset (known: {string.Join(", ", ModelConfig.PresetNames)})");
        var solver = p.GetValue(o.Solver) ?? baseSettings.Solver;
        if (SolverFactory.CanonicalName(solver) is null)
            throw new UsageException($"--solver '{solver}': expected apr or sosp");
        var device = p.GetValue(o.Device) ?? baseSettings.Device;
        if (device == "meta") throw new UsageException("--device meta: cannot train without storage");
        try { DeviceSelection.Parse(device); }
        catch (ArgumentException e) { throw new UsageException($"--device: {e.Message}"); }
        var precision = p.GetValue(o.Precision) ?? baseSettings.Precision;
        if (TrainingPrecision.Problem(precision) is { } badPrecision) throw new UsageException(badPrecision);
        var demos = p.GetValue(o.Demos) ?? baseSettings.DemosPath;
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
            Numbers = p.GetValue(o.Numbers) ?? baseSettings.Numbers,
            ExcludePaths = exclude,
            Context = p.GetValue(o.Context) ?? baseSettings.Context,
            BudgetPrefix = p.GetValue(o.BudgetPrefix) ?? baseSettings.BudgetPrefix,
            TokenBudgetStep = p.GetValue(o.TokenBudgetStep) ?? baseSettings.TokenBudgetStep,
            Steps = p.GetValue(o.Steps) ?? baseSettings.Steps,
            BatchTokens = p.GetValue(o.BatchTokens) ?? baseSettings.BatchTokens,
            Accumulate = p.GetValue(o.Accumulate) ?? baseSettings.Accumulate,
            LearningRate = p.GetValue(o.LearningRate) ?? baseSettings.LearningRate,
            WeightDecay = p.GetValue(o.WeightDecay) ?? baseSettings.WeightDecay,
            WarmupSteps = p.GetValue(o.Warmup) ?? baseSettings.WarmupSteps,
            Seed = p.GetValue(o.Seed) ?? baseSettings.Seed,
            Out = p.GetValue(o.Out) ?? (resume is not null ? CheckpointDirectories.RunOf(resume) : baseSettings.Out),
            EvalEvery = p.GetValue(o.EvalEvery) ?? baseSettings.EvalEvery,
            SaveEvery = p.GetValue(o.SaveEvery) ?? baseSettings.SaveEvery,
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
        return (settings, resume, p.GetValue(o.LogEvery) ?? 10, p.GetValue(o.Threads));
    }

    /// <summary>
    /// The options that fix the data stream or the network, with the checkpoint's value and the given one as text:
    /// on --resume a given one must agree.
    /// </summary>
    private static (Option Option, string Saved, string Given)[] FixedOnResume(ParseResult p, SftOptions o, SftSettings saved)
    {
        static string Text<T>(T? value) where T : struct, IFormattable => value?.ToString(null, CultureInfo.InvariantCulture) ?? "";
        return
        [
            (o.Demos, saved.DemosPath ?? "", p.GetValue(o.Demos) is { } demos ? Path.GetFullPath(demos) : ""),
            (o.Numbers, Text<int>(saved.Numbers), Text(p.GetValue(o.Numbers))),
            (o.Solver, SolverFactory.CanonicalName(saved.Solver) ?? saved.Solver, p.GetValue(o.Solver) is { } solver ? SolverFactory.CanonicalName(solver) ?? solver : ""),
            (o.Preset, saved.Preset, p.GetValue(o.Preset) ?? ""),
            (o.Seed, Text<int>(saved.Seed), Text(p.GetValue(o.Seed))),
            (o.BatchTokens, Text<int>(saved.BatchTokens), Text(p.GetValue(o.BatchTokens))),
            // The data position counts batches: another number per step would replay or skip data, and change the update.
            (o.Accumulate, Text<int>(saved.Accumulate), Text(p.GetValue(o.Accumulate))),
            (o.Exclude, string.Join(",", saved.ExcludePaths ?? []), p.GetValue(o.Exclude) is { } exclude ? string.Join(",", AbsolutePaths(exclude)) : ""),
            (o.Context, Text(saved.Context), Text(p.GetValue(o.Context))),
            (o.BudgetPrefix, Text<double>(saved.BudgetPrefix), Text(p.GetValue(o.BudgetPrefix))),
            (o.TokenBudgetStep, Text<int>(saved.TokenBudgetStep), Text(p.GetValue(o.TokenBudgetStep))),
        ];
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
                         $"{trainer.Source.Validation.Count} validation sequences; {s.Accumulate} × {s.BatchTokens} padded tokens per step; from step {trainer.Step} to {s.Steps}");
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
                    $"pad {trainer.PaddingFraction:P1} eta {TimeSpan.FromSeconds(Math.Round(eta)):c} tok/step {r.RealTokens}"));
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
