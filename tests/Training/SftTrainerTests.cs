using AprOrleans.Model;
using AprOrleans.Trainer;
using AprOrleans.Trainer.Data;
using AprOrleans.Trainer.Sft;
using TorchSharp;

namespace AprOrleans.Tests.Training;

public sealed class SftTrainerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apr-sft-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private SftSettings Small(int steps = 10) => new()
    {
        Preset = "tiny",
        Steps = steps,
        BatchTokens = 1024,
        LearningRate = 1e-3,
        WarmupSteps = 2,
        Seed = 7,
        Out = Path.Combine(_root, "run"),
        ProblemsPerPool = 16,
        ValidationProblems = 2,
    };

    /// <summary>Two steps on one fixed batch; the loss on it before and after.</summary>
    private static (PlannedBatch Batch, double Before, double After) TrainTwiceOnOneBatch(SftTrainer trainer)
    {
        var batch = BatchPlanner.Plan(trainer.Source.Pool(0), 1024, seed: 7, poolIndex: 0)[0];
        double before = trainer.Loss(batch);
        trainer.TrainOn(batch);
        trainer.TrainOn(batch);
        return (batch, before, trainer.Loss(batch));
    }

    [Fact]
    public void AStepLowersTheLossOnAFixedBatch()
    {
        using var trainer = SftTrainer.Start(Small());
        // Unset precision is the device's default, fixed in the run's settings (and so in its checkpoints).
        Assert.Equal(TrainingPrecision.Fp32, trainer.Settings.Precision);
        var (_, before, after) = TrainTwiceOnOneBatch(trainer);
        Assert.True(after < before - 1e-3, $"loss {before} → {after}");
    }

    [Fact]
    public void ABf16StepLowersTheLossAndUpdatesTheFp32Masters()
    {
        using var trainer = SftTrainer.Start(Small() with { Precision = TrainingPrecision.Bf16 });
        var (batch, before, after) = TrainTwiceOnOneBatch(trainer);
        Assert.True(after < before - 1e-3, $"loss {before} → {after}");
        Assert.Equal(torch.ScalarType.Float32, trainer.Model.DType);
        // The trainer's bf16 copy was refreshed from the updated masters: a fresh copy of them computes the same loss,
        // and the fp32 masters themselves a close one.
        using var fresh = LlamaForCausalLM.Create(trainer.Model.Config, seed: 0, trainer.Model.Device, torch.ScalarType.BFloat16);
        using (torch.no_grad())
        {
            var masters = trainer.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, parameter) in fresh.named_parameters()) parameter.copy_(masters[name]);
        }
        Assert.Equal(after, trainer.Loss(batch, fresh));
        Assert.InRange(trainer.Loss(batch, trainer.Model), after - 0.05, after + 0.05);
    }

    [Theory]
    [InlineData(TrainingPrecision.Fp32)]
    [InlineData(TrainingPrecision.Bf16)]
    public void LiveTensorCountStaysFlatOver100Steps(string precision)
    {
        using var trainer = SftTrainer.Start(Small(steps: 200) with { BatchTokens = 256, Precision = precision });
        // The first steps create the optimizer's moment tensors; after that nothing may accumulate.
        for (int i = 0; i < 3; i++) trainer.TrainStep();
        var stats = DisposeScopeManager.Statistics.TensorStatistics;
        long before = stats.ThreadTotalLiveCount;
        for (int i = 0; i < 100; i++) trainer.TrainStep();
        long after = stats.ThreadTotalLiveCount;
        Assert.Equal(before, after);
        Assert.True(before > 0, "the statistics count this thread's tensors");
    }

    [Fact]
    public void LengthBucketingKeepsPaddingUnderTwentyPercent()
    {
        using var trainer = SftTrainer.Start(Small() with { BatchTokens = 4096 });
        var pool = trainer.Source.Pool(0);
        var plan = BatchPlanner.Plan(pool, 4096, seed: 7, poolIndex: 0);
        Assert.Equal(pool.Count(s => s.Length >= 2), plan.Sum(b => b.Sequences.Count));
        Assert.All(plan, b => Assert.True(b.PaddedTokens <= 4096 || b.Sequences.Count == 1));
        double padding = 1 - (double)plan.Sum(b => b.RealTokens) / plan.Sum(b => b.PaddedTokens);
        Assert.InRange(padding, 0, 0.2);
    }

    [Fact]
    public void LearningRateWarmsUpThenDecaysToZero()
    {
        var schedule = new LearningRateSchedule(1e-3, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(1e-4, schedule.At(1), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.Equal(5e-4, schedule.At(60), 12);
        Assert.Equal(0, schedule.At(110), 12);
        Assert.True(schedule.At(30) > schedule.At(31));
    }

    /// <summary>
    /// Settings for <c>--accumulate</c>: small batches, so a step of two stays quick. A step over N micro-batches is the
    /// step over one batch of all their sequences (the loss a token mean over the whole step) and takes N batches of the stream.
    /// </summary>
    private SftSettings Accumulating(int accumulate) => Small() with { BatchTokens = 256, Accumulate = accumulate, ValidationProblems = 0 };

    [Fact]
    public void TwoHalfBatchesAccumulatedGiveTheUpdateOfTheirConcatenation()
    {
        using var accumulated = SftTrainer.Start(Accumulating(2));
        using var whole = SftTrainer.Start(Accumulating(1));
        // Halves of different sizes: a mean of per-half means would weigh their tokens unequally and move elsewhere.
        var sequences = accumulated.Source.Pool(0).Where(s => s.Length >= 2).Take(7).ToList();
        var first = new PlannedBatch(sequences.Take(5).ToList());
        var second = new PlannedBatch(sequences.Skip(5).ToList());
        Assert.NotEqual(first.RealTokens, second.RealTokens);

        var split = accumulated.TrainOn([first, second]);
        var joined = whole.TrainOn(new PlannedBatch(sequences));

        Assert.Equal(joined.Loss, split.Loss, 1e-5);
        // The norm is the gradient's scale: a sum of per-half means (twice the gradient) shows here, not in AdamW's step.
        Assert.Equal(joined.GradNorm, split.GradNorm, joined.GradNorm * 1e-5);
        Assert.Equal(joined.RealTokens, split.RealTokens);
        Assert.Equal(joined.Rows, split.Rows);
        var wholeParameters = whole.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in accumulated.Model.named_parameters())
        {
            using var difference = (parameter - wholeParameters[name]).abs().max();
            Assert.True(difference.item<float>() < 1e-6, $"{name} differs by {difference.item<float>()}");
        }
        // And the step did move the weights: the comparison is not between two untouched models.
        using var fresh = SftTrainer.Start(Accumulating(1));
        using var moved = (fresh.Model.parameters().First() - whole.Model.parameters().First()).abs().max();
        Assert.True(moved.item<float>() > 1e-5);
    }

    [Fact]
    public void AStepTakesAccumulateBatchesOfTheStream()
    {
        using var accumulated = SftTrainer.Start(Accumulating(2));
        using var single = SftTrainer.Start(Accumulating(1));
        var step = accumulated.TrainStep();
        var a = single.TrainStep();
        var b = single.TrainStep();
        Assert.Equal(1, accumulated.Step);
        Assert.Equal(single.DataPosition, accumulated.DataPosition);
        Assert.Equal(a.RealTokens + b.RealTokens, step.RealTokens);
        Assert.Equal(a.PaddedTokens + b.PaddedTokens, step.PaddedTokens);
        Assert.Equal(single.RealTokens, accumulated.RealTokens);
    }
}
