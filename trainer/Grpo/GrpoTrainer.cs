using System.Diagnostics;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Reasoning.Rl;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Trainer.Grpo;

/// <summary>
/// The GRPO learner (DESIGN §8): a policy initialized from the SFT checkpoint, a frozen copy of that checkpoint as
/// the KL reference, AdamW, and <see cref="Train"/> = group advantages → micro-batched clipped loss → a few inner
/// updates. <see cref="SaveCheckpoint"/> and <see cref="Resume"/> keep weights, optimizer, step and RNG, so a killed
/// trainer continues exactly where its last checkpoint stands. Not thread-safe (dispose scopes are per thread).
/// </summary>
public sealed class GrpoTrainer : IDisposable
{
    private readonly FlatAdamW _optimizer;
    private readonly GrpoObjective _objective;
    private readonly Bf16ComputeCopy? _bf16;
    private readonly GradientAccumulation _update;

    private GrpoTrainer(GrpoRunSettings settings, LlamaForCausalLM policy, LlamaForCausalLM reference, CountdownTokenizer tokenizer, int step)
    {
        if (settings.Objective.Validate() is { } fault) throw new ArgumentException(fault, nameof(settings));
        Settings = settings;
        Policy = policy;
        Reference = reference;
        Tokenizer = tokenizer;
        Step = step;
        _objective = new GrpoObjective(settings.Objective);
        Reference.eval();
        foreach (var p in Reference.parameters()) p.requires_grad = false;
        _optimizer = new FlatAdamW(policy, settings.LearningRate, settings.WeightDecay);
        // Dropout-free network: train() only matters for modules that behave differently, but keep the contract.
        Policy.train();
        _bf16 = settings.EffectivePrecision == TrainingPrecision.Bf16 ? new Bf16ComputeCopy(policy, _optimizer) : null;
        _update = new GradientAccumulation(_optimizer, _bf16);
    }

    /// <summary>The network that computes the objective: the fp32 policy itself, or its bf16 copy.</summary>
    private LlamaForCausalLM Network => _bf16?.Model ?? Policy;

    /// <summary>The reference only runs forwards: it is held in the compute precision.</summary>
    private static ScalarType ReferenceDType(GrpoRunSettings settings) =>
        settings.EffectivePrecision == TrainingPrecision.Bf16 ? ScalarType.BFloat16 : DeviceSelection.TrainingDType;

    public GrpoRunSettings Settings { get; }
    public LlamaForCausalLM Policy { get; }
    public LlamaForCausalLM Reference { get; }
    public CountdownTokenizer Tokenizer { get; }
    /// <summary>GRPO steps trained so far (= the experiment step whose groups come next).</summary>
    public int Step { get; private set; }

    /// <summary>A new run from <see cref="GrpoRunSettings.InitPath"/> (policy and reference both start there).</summary>
    public static GrpoTrainer Start(GrpoRunSettings settings)
    {
        // Fixed for the run from here on: a resume on another device keeps the precision the run started with.
        settings = settings with { Precision = settings.EffectivePrecision };
        var device = DeviceSelection.Parse(settings.Device);
        manual_seed(settings.Seed);
        var (policy, tokenizer) = ModelCheckpoint.Load(settings.InitPath, device, DeviceSelection.TrainingDType);
        var (reference, _) = ModelCheckpoint.Load(settings.InitPath, device, ReferenceDType(settings));
        return new GrpoTrainer(settings, policy, reference, tokenizer, step: 0);
    }

    /// <summary>Continues from a GRPO checkpoint: its weights, optimizer moments, step and RNG; the reference is the run's init.</summary>
    public static GrpoTrainer Resume(string checkpoint, Func<GrpoRunSettings, GrpoRunSettings>? adjust = null)
    {
        var state = GrpoTrainerState.Read(checkpoint);
        var settings = adjust is null ? state.Settings : adjust(state.Settings);
        settings = settings with { Precision = TrainingPrecision.OfSavedRun(settings.Precision) };
        var device = DeviceSelection.Parse(settings.Device);
        var (policy, tokenizer) = ModelCheckpoint.Load(checkpoint, device, DeviceSelection.TrainingDType);
        var (reference, _) = ModelCheckpoint.Load(settings.InitPath, device, ReferenceDType(settings));
        var trainer = new GrpoTrainer(settings, policy, reference, tokenizer, state.Step);
        trainer._optimizer.Load(checkpoint);
        TrainingCheckpoint.RestoreRng(state.TorchRngState);
        return trainer;
    }

    /// <summary>
    /// One GRPO step on one step's groups. <paramref name="currentVersion"/> is the version of the weights being
    /// trained (what the staleness bound measures against). When every group is dropped (all zero-variance under
    /// DAPO, or all stale) the weights do not change, but the step still counts: the groups were consumed.
    /// <paramref name="samplingTemperature"/> is the temperature the groups were sampled at (1 for greedy ones): the
    /// policy and the reference are scored at it, as the sampler's log-probs were.
    /// </summary>
    public GrpoStepStats Train(IReadOnlyList<RolloutGroup> groups, long currentVersion, MicroBatchPacking packing = MicroBatchPacking.ByLength,
        float samplingTemperature = 1f)
    {
        var clock = Stopwatch.StartNew();
        var advantages = GroupAdvantages.Compute(groups, Settings.Objective, currentVersion);
        var kept = advantages.Kept;
        // A zero advantage contributes no gradient; only the KL term would move such a step.
        double loss = 0, kl = 0, gap = 0, clip = 0;
        long padded = 0, rowTokens = 0;
        long generated = kept.Sum(t => t.Trajectory.Segments.Sum(s => (long)s.Generated.Length));
        if (generated > 0)
        {
            var microBatches = GrpoMicroBatches.Pack(kept, Settings.MicroBatchTokens, packing).ToList();
            padded = GrpoMicroBatches.PaddedTokens(microBatches);
            rowTokens = microBatches.Sum(b => b.Sum(r => (long)r.Width));
            // Built once: the inner updates see the same batches, and the frozen reference's log-probs on them are
            // the same in every update, so the reference runs one forward per step, not one per update.
            var batches = microBatches.Select(part => GrpoBatch.Build(part, Settings.Objective.TokenLevelLoss, Policy.Device, (kept.Count, generated), samplingTemperature)).ToList();
            var referenceLogProbs = new Tensor?[batches.Count];
            try
            {
                for (int update = 0; update < Settings.InnerUpdates; update++)
                {
                    var (updateLoss, updateKl, updateGap, updateClip) = TrainOneUpdate(batches, referenceLogProbs, generated);
                    if (update == 0) (loss, kl, gap, clip) = (updateLoss, updateKl, updateGap, updateClip);
                }
            }
            finally
            {
                foreach (var t in referenceLogProbs) t?.Dispose();
                foreach (var b in batches) b.Dispose();
            }
        }
        Step++;
        return new GrpoStepStats(Step - 1, loss, kl, gap, clip, kept.Count, advantages.Groups, advantages.ZeroVarianceGroups,
            advantages.StaleTrajectories, generated, clock.Elapsed.TotalSeconds, padded, rowTokens);
    }

    /// <summary>
    /// One optimizer update over every micro-batch (gradients accumulated); returns the update's loss and its
    /// token-weighted KL, sampler gap and clip fraction. Fills <paramref name="referenceLogProbs"/> on first use.
    /// </summary>
    private (double Loss, double Kl, double Gap, double Clip) TrainOneUpdate(List<GrpoBatch> batches, Tensor?[] referenceLogProbs, long generated)
    {
        _update.Begin();
        double loss = 0, kl = 0, gap = 0, clip = 0;
        bool klTerm = Settings.Objective.KlBeta > 0;
        for (int i = 0; i < batches.Count; i++)
        {
            var batch = batches[i];
            if (klTerm && referenceLogProbs[i] is null)
            {
                using var referenceScope = NewDisposeScope();
                referenceLogProbs[i] = GrpoObjective.ReferenceLogProbs(Reference, batch).MoveToOuterDisposeScope();
            }
            using var scope = NewDisposeScope();
            var (partLoss, stats) = _objective.Compute(Network, batch, referenceLogProbs[i]);
            _update.Add(partLoss);
            double share = (double)batch.GeneratedTokens / generated;
            loss += stats.Loss;
            kl += stats.MeanKl * share;
            gap += stats.SamplerGap * share;
            clip += stats.ClipFraction * share;
        }
        _update.Apply(Settings.GradClip, Settings.LearningRate);
        return (loss, kl, gap, clip);
    }

    /// <summary>Writes {Out}/checkpoints/step-NNNNNNNN atomically (weights, optimizer, state) and returns its path.</summary>
    public string SaveCheckpoint(long weightVersion, GrpoStepStats? lastStep)
    {
        var state = new GrpoTrainerState(Step, Settings, TrainingCheckpoint.CaptureRng(), weightVersion, lastStep, Reported: false);
        return TrainingCheckpoint.Save(TrainingCheckpoint.PathFor(Settings.Out, Step), Policy, Tokenizer, _optimizer, GrpoTrainerState.FileName, state.ToJson(),
            temp => PublishedWeights.WriteExtra(temp, Policy, Settings.PublishDType));
    }

    public void Dispose()
    {
        _bf16?.Dispose();
        _optimizer.Dispose();
        Policy.Dispose();
        Reference.Dispose();
    }
}
