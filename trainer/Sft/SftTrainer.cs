using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Trainer.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Trainer.Sft;

/// <summary>
/// Supervised fine-tuning on solver demonstrations (DESIGN §8): next-token loss on every token of each
/// sequence, AdamW with decoupled weight decay, warmup + cosine schedule, gradient clipping, fp32 master
/// weights (computing in fp32 or, with <see cref="SftSettings.Precision"/> bf16, through a <see cref="Bf16ComputeCopy"/>). Owns the model, the optimizer and the data cursor; <see cref="SaveCheckpoint"/> writes all of
/// them (plus the RNG state) atomically and <see cref="Resume"/> restores them, so a resumed run repeats the
/// uninterrupted run's loss curve. Not thread-safe; TorchSharp dispose scopes are per thread.
/// </summary>
public sealed class SftTrainer : IDisposable
{
    private const long IgnoreIndex = -100;

    private readonly FlatAdamW _optimizer;
    private readonly Device _device;
    private readonly DataCursor _cursor;
    private readonly Bf16ComputeCopy? _bf16;
    private readonly GradientAccumulation _update;

    private SftTrainer(SftSettings settings, LlamaForCausalLM model, CountdownTokenizer tokenizer, ISequenceSource source, DataPosition position, int step)
    {
        Settings = settings;
        Model = model;
        Tokenizer = tokenizer;
        Source = source;
        Step = step;
        _device = model.Device;
        _cursor = new DataCursor(source, settings.BatchTokens, settings.Seed, position);
        Schedule = new LearningRateSchedule(settings.LearningRate, settings.EffectiveWarmup, settings.Steps);
        // The optimizer is made after the model reached its device (it re-lays the weights out in one buffer).
        // Weight decay on matrices only, not on norm gains (as transformers' Trainer does for the paper's SFT).
        _optimizer = new FlatAdamW(model, settings.LearningRate, settings.WeightDecay, decays: p => p.dim() >= 2);
        model.train();
        _bf16 = settings.EffectivePrecision == TrainingPrecision.Bf16 ? new Bf16ComputeCopy(model, _optimizer) : null;
        _update = new GradientAccumulation(_optimizer, _bf16);
    }

    /// <summary>The network that computes losses: the fp32 masters themselves, or their bf16 copy.</summary>
    private LlamaForCausalLM Network => _bf16?.Model ?? Model;

    public SftSettings Settings { get; }
    /// <summary>When set, every step's phases are timed into it (benchmarks; synchronizes CUDA at each phase).</summary>
    public StepPhaseTimer? Phases { get; set; }
    public LlamaForCausalLM Model { get; }
    public CountdownTokenizer Tokenizer { get; }
    public ISequenceSource Source { get; }
    public LearningRateSchedule Schedule { get; }
    /// <summary>Optimizer steps taken so far.</summary>
    public int Step { get; private set; }
    public long RealTokens { get; private set; }
    public long PaddedTokens { get; private set; }
    /// <summary>Wall time spent producing batches (generating and solving problems, planning) in this process.</summary>
    public double DataSeconds { get; private set; }
    public double PaddingFraction => PaddedTokens == 0 ? 0 : 1 - (double)RealTokens / PaddedTokens;
    public DataPosition DataPosition => _cursor.Position;

    /// <summary>A new run: a freshly initialized model (seeded) on the settings' device.</summary>
    public static SftTrainer Start(SftSettings settings, CountdownTokenizer? tokenizer = null)
    {
        tokenizer ??= CountdownTokenizer.Default;
        // Fixed for the run from here on: a resume on another device keeps the precision the run started with.
        settings = settings with { Precision = settings.EffectivePrecision };
        var device = DeviceSelection.Parse(settings.Device);
        var config = ModelConfig.FromPreset(settings.Preset, tokenizer.VocabularySize);
        ModelConfig? initConfig = settings.InitPath is { } initPath ? ModelCheckpoint.ReadConfig(initPath) : null;
        // A warm start keeps the context of the model it starts from unless --context says otherwise.
        if (settings.Context is null && initConfig is not null && initConfig.MaxPositionEmbeddings != config.MaxPositionEmbeddings)
            settings = settings with { Context = initConfig.MaxPositionEmbeddings };
        if (settings.Context is int positions) config = config with { MaxPositionEmbeddings = positions };
        var source = CreateSource(settings, tokenizer, config.MaxPositionEmbeddings);
        manual_seed(settings.Seed);
        var model = LlamaForCausalLM.Create(config, settings.Seed, device, DeviceSelection.TrainingDType);
        if (initConfig is not null)
        {
            // RoPE has no weights, so a warm start may change the context (--context); every weight must match.
            if (initConfig with { MaxPositionEmbeddings = config.MaxPositionEmbeddings } != config)
                throw new InvalidDataException($"--init {settings.InitPath}: its model ({initConfig.Preset}, {initConfig.ParameterCount} parameters) " +
                                               $"differs from --preset {settings.Preset} ({config.ParameterCount} parameters)");
            ModelCheckpoint.LoadWeights(Path.Combine(settings.InitPath!, "model.safetensors"), model);
        }
        return new SftTrainer(settings, model, tokenizer, source, new DataPosition(0, 0), step: 0);
    }

    /// <summary>
    /// Continues the run saved in <paramref name="checkpoint"/>: weights, optimizer moments, step, data position
    /// and RNG state. <paramref name="adjust"/> may change settings that do not alter the data stream (device,
    /// output folder, step count, logging).
    /// </summary>
    public static SftTrainer Resume(string checkpoint, Func<SftSettings, SftSettings>? adjust = null)
    {
        var state = TrainerState.Read(checkpoint);
        var settings = adjust is null ? state.Settings : adjust(state.Settings);
        settings = settings with { Precision = TrainingPrecision.OfSavedRun(settings.Precision) };
        var device = DeviceSelection.Parse(settings.Device);
        var (model, tokenizer) = ModelCheckpoint.Load(checkpoint, device, DeviceSelection.TrainingDType);
        var source = CreateSource(settings, tokenizer, model.Config.MaxPositionEmbeddings);
        var trainer = new SftTrainer(settings, model, tokenizer, source, state.Data, state.Step)
        {
            RealTokens = state.RealTokens,
            PaddedTokens = state.PaddedTokens,
        };
        trainer._optimizer.Load(checkpoint);
        TrainingCheckpoint.RestoreRng(state.TorchRngState);
        return trainer;
    }

    private static ISequenceSource CreateSource(SftSettings settings, CountdownTokenizer tokenizer, int maxLength) =>
        settings.DemosPath is { } path
            ? new FileDemoSource(path, settings.Seed, tokenizer, maxLength, settings.SequencesPerPool, Conditioner(settings, maxLength))
            : new GeneratedDemoSource(settings.Numbers, settings.Solver, settings.Seed, tokenizer, maxLength, settings.ProblemsPerPool,
                                      settings.ValidationProblems, ExcludedKeys(settings.ExcludePaths), Conditioner(settings, maxLength));

    private static DemoConditioner Conditioner(SftSettings settings, int maxLength) => new(settings.BudgetPrefix, settings.Seed, maxLength, settings.TokenBudgetStep);

    private static HashSet<string> ExcludedKeys(string[]? paths) =>
        (paths ?? []).SelectMany(ProblemFile.Read).Select(problem => problem.Key).ToHashSet();

    /// <summary>One optimizer step on the next <see cref="SftSettings.Accumulate"/> planned batches (its micro-batches).</summary>
    public SftStepResult TrainStep()
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var microBatches = new PlannedBatch[Settings.Accumulate];
        for (int i = 0; i < microBatches.Length; i++) microBatches[i] = _cursor.Next();
        DataSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        return TrainOn(microBatches);
    }

    /// <summary>One optimizer step on <paramref name="batch"/> alone.</summary>
    public SftStepResult TrainOn(PlannedBatch batch) => TrainOn([batch]);

    /// <summary>
    /// One optimizer step on <paramref name="microBatches"/>: forward and backward of each in turn with the gradients
    /// summed, then clip and AdamW. The loss is the step's token mean: every micro-batch's summed token loss is divided
    /// by the target tokens of the whole step. That is what the single-batch loss already is (cross-entropy's mean
    /// over every unpadded target of the batch, long sequences weighing more than short ones), so N micro-batches give
    /// the update one batch of all their sequences would; a mean of per-micro-batch means would weigh a token of a
    /// short micro-batch more than one of a long one.
    /// </summary>
    public SftStepResult TrainOn(IReadOnlyList<PlannedBatch> microBatches)
    {
        if (microBatches.Count == 0) throw new ArgumentException("a step needs at least one batch", nameof(microBatches));
        int step = Step + 1;
        double lr = Schedule.At(step);
        long targets = microBatches.Sum(b => (long)b.RealTokens);
        double loss, gradNorm;
        var phases = Phases;
        using (NewDisposeScope())
        {
            phases?.Start();
            _update.Begin();
            // The loss stays on the device until the step is done: reading it per micro-batch would sync each one.
            Tensor? lossSum = null;
            foreach (var batch in microBatches)
            {
                using var scope = NewDisposeScope();
                var (inputs, batchTargets) = ToTensors(batch);
                phases?.Mark("inputs");
                var share = StepShareOfLoss(Network, inputs, batchTargets, targets);
                phases?.Mark("forward");
                _update.Add(share, phases);
                var detached = share.detach();
                lossSum = (lossSum is null ? detached : lossSum.add(detached)).MoveToOuterDisposeScope();
            }
            gradNorm = _update.Apply(Settings.GradClip, lr, phases);
            loss = lossSum!.item<float>();
            phases?.Mark("loss read");
        }
        phases?.EndStep();
        Step = step;
        int real = microBatches.Sum(b => b.RealTokens), padded = microBatches.Sum(b => b.PaddedTokens);
        RealTokens += real;
        PaddedTokens += padded;
        return new SftStepResult(step, loss, lr, gradNorm, microBatches.Sum(b => b.Sequences.Count), real, padded);
    }

    /// <summary>A micro-batch's summed token loss over the step's <paramref name="stepTargets"/> target tokens.</summary>
    private static Tensor StepShareOfLoss(LlamaForCausalLM network, Tensor inputs, Tensor targets, long stepTargets)
    {
        using var divisor = ((double)Math.Max(1, stepTargets)).ToScalar();
        return MeanLoss(network, inputs, targets, nn.Reduction.Sum).div(divisor);
    }

    /// <summary>
    /// Mean next-token loss of <paramref name="batch"/> without training, by the network that trains (the masters, or
    /// their bf16 copy) or by <paramref name="network"/> (e.g. the fp32 masters of a bf16 run).
    /// </summary>
    public double Loss(PlannedBatch batch, LlamaForCausalLM? network = null)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (inputs, targets) = ToTensors(batch);
        return MeanLoss(network ?? Network, inputs, targets).item<float>();
    }

    /// <summary>Mean token cross-entropy, computed in fp32 whatever the network's dtype.</summary>
    private static Tensor MeanLoss(LlamaForCausalLM network, Tensor inputs, Tensor targets, nn.Reduction reduction = nn.Reduction.Mean)
    {
        var logits = network.forward(inputs).to(ScalarType.Float32);
        return nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), targets.view(-1), ignore_index: IgnoreIndex, reduction: reduction);
    }

    /// <summary>Mean next-token loss over the validation set (NaN when there is none).</summary>
    public double Evaluate()
    {
        if (Source.Validation.Count == 0) return double.NaN;
        double sum = 0;
        long tokens = 0;
        Network.eval();
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in BatchPlanner.Plan(Source.Validation, Settings.BatchTokens, Settings.Seed, poolIndex: -1))
            {
                using var scope = NewDisposeScope();
                var (inputs, targets) = ToTensors(batch);
                sum += MeanLoss(Network, inputs, targets, nn.Reduction.Sum).item<float>();
                tokens += batch.RealTokens;
            }
        }
        finally
        {
            Network.train();
        }
        return sum / tokens;
    }

    /// <summary>Inputs [B, L] (sequence minus its last token, right-padded with &lt;pad&gt;) and targets [B, L]
    /// (sequence minus its first token, padding ignored).</summary>
    private (Tensor Inputs, Tensor Targets) ToTensors(PlannedBatch batch)
    {
        int rows = batch.Sequences.Count, length = batch.Length;
        var inputs = new long[rows * length];
        var targets = new long[rows * length];
        Array.Fill(inputs, Tokenizer.PadId);
        Array.Fill(targets, IgnoreIndex);
        for (int r = 0; r < rows; r++)
        {
            var sequence = batch.Sequences[r];
            for (int t = 0; t < sequence.Length - 1; t++)
            {
                inputs[r * length + t] = sequence[t];
                targets[r * length + t] = sequence[t + 1];
            }
        }
        return (tensor(inputs, [rows, length], device: _device), tensor(targets, [rows, length], device: _device));
    }

    /// <summary>Writes {Out}/checkpoints/step-NNNNNNNN atomically and returns its path.</summary>
    public string SaveCheckpoint()
    {
        var state = new TrainerState(Step, _cursor.Position, Settings, TrainingCheckpoint.CaptureRng(), RealTokens, PaddedTokens);
        return TrainingCheckpoint.Save(TrainingCheckpoint.PathFor(Settings.Out, Step), Model, Tokenizer, _optimizer, TrainerState.FileName, state.ToJson());
    }

    public void Dispose()
    {
        _bf16?.Dispose();
        _optimizer.Dispose();
        Model.Dispose();
    }
}
