using AprOrleans.CommandLine;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Model;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Reasoning.Rl;
using AprOrleans.Tests.Model;
using AprOrleans.Trainer;
using AprOrleans.Trainer.Grpo;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Training;

public sealed class GrpoTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("apr-grpo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>An SFT-like starting checkpoint: a micro network over the Countdown vocabulary.</summary>
    private string InitCheckpoint()
    {
        var path = Path.Combine(_dir, "init");
        using var net = LlamaForCausalLM.Create(ModelTestUtil.Micro(CountdownTokenizer.Default.VocabularySize), seed: 7);
        ModelCheckpoint.Save(path, net, CountdownTokenizer.Default);
        return path;
    }

    /// <summary>Groups of random segments (several per trajectory, different lengths) with mixed rewards.</summary>
    private static List<RolloutGroup> Groups(int seed, int vocab)
    {
        var random = new Random(seed);
        int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(3, vocab))];
        TrajectorySegment Segment() => new(Tokens(random.Next(4, 12)), Tokens(random.Next(2, 9)), [.. Enumerable.Range(0, 8).Select(_ => -2.5f)], []);
        return [.. Enumerable.Range(0, 3).Select(g => new RolloutGroup($"g{g}", [.. Enumerable.Range(0, 4).Select(t =>
        {
            var segments = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Segment()).Select(s => s with
            {
                SamplerLogProbs = [.. s.SamplerLogProbs.Take(s.Generated.Length)],
                WeightVersions = new long[s.Generated.Length],
            }).ToList();
            return new Trajectory(segments, (t + g) % 2);
        })]))];
    }

    private GrpoRunSettings Settings(string init, string name, int microBatchTokens = 32768, string precision = TrainingPrecision.Fp32) => new()
    {
        Experiment = "e",
        InitPath = init,
        Out = Path.Combine(_dir, name),
        LearningRate = 1e-3,
        MicroBatchTokens = microBatchTokens,
        Precision = precision,
    };

    private static float[] Flat(LlamaForCausalLM net) =>
        [.. net.parameters().SelectMany(p => p.detach().cpu().flatten().data<float>().ToArray())];

    [Fact]
    public void Micro_batches_give_the_same_update_as_one_batch()
    {
        var init = InitCheckpoint();
        var groups = Groups(1, CountdownTokenizer.Default.VocabularySize);
        using var whole = GrpoTrainer.Start(Settings(init, "whole"));
        using var split = GrpoTrainer.Start(Settings(init, "split", microBatchTokens: 256));
        var a = whole.Train(groups, currentVersion: 0);
        var b = split.Train(groups, currentVersion: 0);
        Assert.Equal(a.Loss, b.Loss, 5);
        Assert.Equal(a.SamplerGap, b.SamplerGap, 5);
        var (wa, wb) = (Flat(whole.Policy), Flat(split.Policy));
        Assert.Equal(wa.Length, wb.Length);
        Assert.True(wa.Zip(wb).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);
        // And the step changed the weights at all.
        using var start = GrpoTrainer.Start(Settings(init, "start"));
        Assert.True(Flat(start.Policy).Zip(wa).Max(p => Math.Abs(p.First - p.Second)) > 1e-6);
    }

    [Fact]
    public void Packing_by_length_gives_the_update_of_packing_by_trajectory_with_less_padding()
    {
        var init = InitCheckpoint();
        var groups = Groups(4, CountdownTokenizer.Default.VocabularySize);
        using var byTrajectory = GrpoTrainer.Start(Settings(init, "traj", microBatchTokens: 256));
        using var byLength = GrpoTrainer.Start(Settings(init, "len", microBatchTokens: 256));
        var a = byTrajectory.Train(groups, currentVersion: 0, MicroBatchPacking.ByTrajectory);
        var b = byLength.Train(groups, currentVersion: 0, MicroBatchPacking.ByLength);
        Assert.Equal(a.Loss, b.Loss, 5);
        Assert.Equal(a.Kl, b.Kl, 7);
        Assert.Equal(a.SamplerGap, b.SamplerGap, 5);
        Assert.Equal(a.ClipFraction, b.ClipFraction, 5);
        Assert.Equal(a.RowTokens, b.RowTokens);
        Assert.True(b.PaddedTokens < a.PaddedTokens, $"by length {b.PaddedTokens} vs by trajectory {a.PaddedTokens} padded positions");
        var (wa, wb) = (Flat(byTrajectory.Policy), Flat(byLength.Policy));
        Assert.True(wa.Zip(wb).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);
    }

    [Fact]
    public void Packing_by_length_keeps_every_row_once_and_each_batch_within_the_budget()
    {
        var groups = Groups(5, CountdownTokenizer.Default.VocabularySize);
        var kept = groups.SelectMany(g => g.Trajectories).Select(t => new WeightedTrajectory(t, t.Reward - 0.5)).ToList();
        var rows = GrpoRow.Of(kept).ToList();
        var batches = GrpoMicroBatches.Pack(kept, 64, MicroBatchPacking.ByLength).ToList();
        Assert.Equal(rows.Count, batches.Sum(b => b.Count));
        Assert.Equal(rows.Select(r => r.Last).ToHashSet(), batches.SelectMany(b => b.Select(r => r.Last)).ToHashSet());
        Assert.All(batches, b => Assert.True(b.Count == 1 || GrpoMicroBatches.BatchPositions(b) <= 64));
        var widths = batches.SelectMany(b => b.Select(r => r.MainWidth)).ToList();
        Assert.Equal(widths.OrderByDescending(w => w), widths);
        // The same input packs the same way every time (an exact resume depends on it).
        Assert.Equal(batches.SelectMany(b => b.Select(r => r.Last)), GrpoMicroBatches.Pack(kept, 64, MicroBatchPacking.ByLength).SelectMany(b => b.Select(r => r.Last)));
    }

    [Fact]
    public void Packing_by_length_cuts_where_padding_is_least()
    {
        // One 100-wide row and four 60-wide ones under a 400-position budget: filling the first batch up to the
        // budget pads three 60-wide rows to 100 (400 + 60 = 460 positions); a cut right after the long row costs 340.
        static WeightedTrajectory Row(int width) => new(new Trajectory(
            [new TrajectorySegment(new int[width], [5], [-1f], [0])], Reward: 1), Advantage: 0.5);
        var kept = new[] { 60, 100, 60, 60, 60 }.Select(Row).ToList();
        var batches = GrpoMicroBatches.Pack(kept, 400, MicroBatchPacking.ByLength).ToList();
        Assert.Equal([1, 4], batches.Select(b => b.Count));
        Assert.Equal(340, GrpoMicroBatches.PaddedTokens(batches));
    }

    [Fact]
    public void A_bf16_step_updates_the_fp32_masters_close_to_an_fp32_step()
    {
        var init = InitCheckpoint();
        var groups = Groups(1, CountdownTokenizer.Default.VocabularySize);
        using var start = GrpoTrainer.Start(Settings(init, "start"));
        using var fp32 = GrpoTrainer.Start(Settings(init, "fp32", microBatchTokens: 256));
        using var bf16 = GrpoTrainer.Start(Settings(init, "bf16", microBatchTokens: 256, precision: TrainingPrecision.Bf16));
        var fp32Stats = fp32.Train(groups, currentVersion: 0);
        var stats = bf16.Train(groups, currentVersion: 0);
        // Same batches, same order: only the precision of the computation can make the losses differ.
        Assert.NotEqual(fp32Stats.Loss, stats.Loss);
        Assert.Equal(ScalarType.Float32, bf16.Policy.DType);
        var (before, a, b) = (Flat(start.Policy), Flat(fp32.Policy), Flat(bf16.Policy));
        // Adam moves every weight by about ±lr whatever its gradient's size, so compare the update vectors as wholes:
        // the bf16 run's masters moved about as far as fp32's, in nearly the same direction.
        var fp32Update = a.Zip(before, (x, y) => (double)x - y).ToArray();
        var bf16Update = b.Zip(before, (x, y) => (double)x - y).ToArray();
        double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
        double cosine = fp32Update.Zip(bf16Update, (x, y) => x * y).Sum() / (Norm(fp32Update) * Norm(bf16Update));
        Assert.InRange(Norm(bf16Update), Norm(fp32Update) / 2, Norm(fp32Update) * 2);
        Assert.True(cosine > 0.9, $"cosine of the bf16 and fp32 updates {cosine}");
        Assert.True(double.IsFinite(stats.Loss));
    }

    [Theory]
    [InlineData(TrainingPrecision.Fp32)]
    [InlineData(TrainingPrecision.Bf16)]
    public void A_resumed_trainer_continues_exactly_like_the_uninterrupted_one(string precision)
    {
        var init = InitCheckpoint();
        var vocab = CountdownTokenizer.Default.VocabularySize;
        using var straight = GrpoTrainer.Start(Settings(init, "straight", precision: precision));
        straight.Train(Groups(1, vocab), 0);
        straight.Train(Groups(2, vocab), 1);

        string checkpoint;
        using (var first = GrpoTrainer.Start(Settings(init, "interrupted", precision: precision)))
        {
            var stats = first.Train(Groups(1, vocab), 0);
            checkpoint = first.SaveCheckpoint(weightVersion: 1, stats);
        }
        var state = GrpoTrainerState.Read(checkpoint);
        Assert.Equal(1, state.Step);
        Assert.False(state.Reported);
        GrpoTrainerState.MarkReported(checkpoint);
        Assert.True(GrpoTrainerState.Read(checkpoint).Reported);

        using var resumed = GrpoTrainer.Resume(checkpoint);
        Assert.Equal(1, resumed.Step);
        resumed.Train(Groups(2, vocab), 1);
        Assert.Equal(2, resumed.Step);
        Assert.Equal(Flat(straight.Policy), Flat(resumed.Policy));
    }

    [Fact]
    public void Dapo_drops_zero_variance_groups_and_then_leaves_the_weights_alone()
    {
        var init = InitCheckpoint();
        var flat = Groups(3, CountdownTokenizer.Default.VocabularySize)
            .Select(g => g with { Trajectories = [.. g.Trajectories.Select(t => t with { Reward = 1 })] }).ToList();
        using var trainer = GrpoTrainer.Start(Settings(init, "dapo") with { Variant = "dapo" });
        var before = Flat(trainer.Policy);
        var stats = trainer.Train(flat, 0);
        Assert.Equal(0, stats.TrajectoriesUsed);
        Assert.Equal(1.0, stats.ZeroAdvantageFraction);
        Assert.Equal(1, trainer.Step);
        Assert.Equal(before, Flat(trainer.Policy));
    }

    [Theory]
    [InlineData(new[] { "--experiment", "e", "--init", "x" }, "--silo")]
    [InlineData(new[] { "--silo", "ftp://h", "--experiment", "e", "--init", "x" }, "--silo 'ftp://h'")]
    [InlineData(new[] { "--silo", "http://h:1", "--experiment", "e" }, "--init")]
    [InlineData(new[] { "--silo", "http://h:1", "--experiment", "e", "--init", "/nonexistent-model" }, "--init '/nonexistent-model'")]
    [InlineData(new[] { "--silo", "http://h:1", "--experiment", "e", "--init", "x", "--resume", "y" }, "exactly one")]
    [InlineData(new[] { "--silo", "http://h:1", "--experiment", "e", "--resume", "/nonexistent-ckpt" }, "--resume /nonexistent-ckpt")]
    public void Bad_options_name_what_is_wrong(string[] args, string expected)
    {
        var e = Assert.Throws<UsageException>(() => GrpoCommand.Parse(args, tokenFromEnvironment: "t"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Resume_auto_takes_the_run_folders_newest_checkpoint_or_starts_from_init()
    {
        var init = InitCheckpoint();
        var run = Directory.CreateTempSubdirectory("apr-grpo-auto-").FullName;
        try
        {
            string[] args = ["--silo", "http://127.0.0.1:1", "--experiment", "e", "--resume", "auto", "--out", run];
            Assert.Contains("give --init", Assert.Throws<UsageException>(() => GrpoCommand.Parse(args, "t")).Message);
            var fresh = GrpoCommand.Parse([.. args, "--init", init], "t");
            Assert.Null(fresh.Resume);
            Assert.Equal(Path.GetFullPath(init), fresh.Settings.InitPath);

            // Step 12 is newer than step 3 (and than a hidden half-written step 20): the parse reads its state, so its
            // error names the checkpoint it chose.
            foreach (var name in new[] { "step-00000003", "step-00000012", ".step-00000020.tmp-1-x" })
                Directory.CreateDirectory(Path.Combine(run, "checkpoints", name));
            var e = Assert.Throws<UsageException>(() => GrpoCommand.Parse([.. args, "--init", init], "t"));
            Assert.Contains($"--resume {Path.Combine(run, "checkpoints", "step-00000012")}:", e.Message);
        }
        finally { Directory.Delete(run, recursive: true); }
    }

    [Fact]
    public void The_token_is_required_and_variants_are_checked()
    {
        var init = InitCheckpoint();
        string[] args = ["--silo", "http://127.0.0.1:1", "--experiment", "e", "--init", init];
        Assert.Contains("APR_ADMIN_TOKEN", Assert.Throws<UsageException>(() => GrpoCommand.Parse(args, null)).Message);
        Assert.Contains("--variant 'ppo'", Assert.Throws<UsageException>(() => GrpoCommand.Parse([.. args, "--variant", "ppo"], "t")).Message);
        var options = GrpoCommand.Parse([.. args, "--variant", "drgrpo", "--staleness", "2"], "t");
        Assert.True(options.Settings.Objective.DrGrpo);
        Assert.Equal(2, options.Settings.Objective.StalenessBound);
        Assert.Equal(Path.Combine("runs", "grpo", "e"), options.Settings.Out);
        Assert.Equal("fp32", options.Settings.PublishDType);
        Assert.Contains("--publish-dtype 'fp16'", Assert.Throws<UsageException>(() => GrpoCommand.Parse([.. args, "--publish-dtype", "fp16"], "t")).Message);
        Assert.Equal("bf16", GrpoCommand.Parse([.. args, "--publish-dtype", "bf16"], "t").Settings.PublishDType);
        Assert.Null(options.SharedWeights);
        Assert.Contains("--shared-weights '/nonexistent-share'",
            Assert.Throws<UsageException>(() => GrpoCommand.Parse([.. args, "--shared-weights", "/nonexistent-share"], "t")).Message);
        Assert.Equal(Path.GetFullPath(init), GrpoCommand.Parse([.. args, "--shared-weights", init], "t").SharedWeights);
    }

    [Fact]
    public void The_first_step_stops_the_run_when_the_rollouts_came_from_another_model()
    {
        static GrpoStepStats First(double gap, int used) => new(0, 0.1, 0, gap, 0, used, 1, 0, 0, 100, 1);
        StartingPolicyCheck.Verify(First(gap: 1e-4, used: 5), StartingPolicyCheck.DefaultMaxGap, "init");
        StartingPolicyCheck.Verify(First(gap: 3.0, used: 0), StartingPolicyCheck.DefaultMaxGap, "init"); // nothing to compare
        var e = Assert.Throws<GrpoRunException>(() => StartingPolicyCheck.Verify(First(gap: 1.7, used: 5), StartingPolicyCheck.DefaultMaxGap, "/runs/sft/x"));
        Assert.Contains("--init /runs/sft/x", e.Message);
        Assert.Contains("1.700", e.Message);
        Assert.Contains("--max-start-gap", e.Message);
    }

    [Fact]
    public void A_bf16_publishing_run_saves_a_bf16_copy_of_its_weights_with_their_digest()
    {
        var init = InitCheckpoint();
        using var trainer = GrpoTrainer.Start(Settings(init, "bf16") with { PublishDType = "bf16" });
        var stats = trainer.Train(Groups(1, CountdownTokenizer.Default.VocabularySize), 0);
        var checkpoint = trainer.SaveCheckpoint(weightVersion: 1, stats);
        var published = PublishedWeights.PathIn(checkpoint, "bf16");
        Assert.Equal(Path.Combine(checkpoint, "model.bf16.safetensors"), published);
        Assert.Equal(Path.Combine(checkpoint, "model.safetensors"), PublishedWeights.PathIn(checkpoint, "fp32"));

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(published))), WeightsDigest.TryRead(published));
        using var stream = File.OpenRead(published);
        var (tensors, dataStart) = SafeTensors.ReadHeader(stream, published);
        var parameters = trainer.Policy.named_parameters().ToList();
        Assert.Equal(parameters.Select(p => p.name).Order(), tensors.Keys.Order());
        using var scope = NewDisposeScope();
        foreach (var (name, parameter) in parameters)
        {
            Assert.Equal("BF16", tensors[name].DType);
            var stored = SafeTensors.ReadTensor(stream, dataStart, tensors[name], published);
            Assert.True(stored.eq(parameter.detach().to(ScalarType.BFloat16)).all().item<bool>(), $"{name} is not the policy's weights in bf16");
        }
        // The master weights stay fp32 and are still what the checkpoint resumes from.
        Assert.True(File.Exists(Path.Combine(checkpoint, "model.safetensors")));
        using var resumed = GrpoTrainer.Resume(checkpoint);
        Assert.Equal(Flat(trainer.Policy), Flat(resumed.Policy));
    }

    [Fact]
    public void An_unreachable_silo_is_a_failure_not_a_crash()
    {
        var init = InitCheckpoint();
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        // Port 1 refuses connections: Unavailable is retried (a silo may be restarting) until the run is cancelled.
        var options = GrpoCommand.Parse(["--silo", "http://127.0.0.1:1", "--experiment", "e", "--init", init, "--out", Path.Combine(_dir, "o")], "t");
        int code = GrpoCommand.Run(options, stdout, stderr, cancel.Token);
        Assert.NotEqual(0, code);
        Assert.Contains("retrying", stderr.ToString());
    }
}
