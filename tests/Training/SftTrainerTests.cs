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
}
