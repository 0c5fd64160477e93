using System.Globalization;
using AprOrleans.Countdown.Problems;
using AprOrleans.Model.Engine;
using AprOrleans.Model.Evaluation;
using AprOrleans.Model.Rl;
using AprOrleans.Model.Runtime;
using AprOrleans.Trainer.Grpo;

namespace AprOrleans.Bench;

/// <summary>
/// One GRPO training step on real rollouts, with the micro-batches packed by trajectory (the earlier packing) and by
/// length, side by side: seconds, padded positions, and the loss (which the packing must not change). The rollouts are
/// G sampled APR trees (T = 1) per problem from the checkpoint on the continuous-batching engine, rewarded by the exact
/// checker, as the rollout grains make them.
/// Usage: grpo-step --checkpoint DIR --problems FILE [--count 8] [--group 5] [--repeats 3] [--threads 1]
///        [--micro-batch-tokens 32768] [--device cpu]
/// </summary>
public static class GrpoStepBench
{
    public static int Run(string[] args)
    {
        var checkpoint = Args.String(args, "--checkpoint", "");
        var problemsPath = Args.String(args, "--problems", "");
        if (checkpoint.Length == 0 || !File.Exists(problemsPath))
        {
            Console.Error.WriteLine("grpo-step: --checkpoint DIR and --problems FILE (an existing problem file) are required");
            return 2;
        }
        int count = Args.Int(args, "--count", 8), group = Args.Int(args, "--group", 5), repeats = Args.Int(args, "--repeats", 3);
        int threads = Args.Int(args, "--threads", 1), microBatch = Args.Int(args, "--micro-batch-tokens", 32768);
        var device = Args.String(args, "--device", "cpu");
        if (count < 1 || group < 2 || repeats < 1 || threads < 1 || microBatch < 256)
        {
            Console.Error.WriteLine("grpo-step: --count ≥ 1, --group ≥ 2, --repeats ≥ 1, --threads ≥ 1, --micro-batch-tokens ≥ 256");
            return 2;
        }
        TorchSharp.torch.set_num_threads(threads);
        var problems = ProblemFile.Read(problemsPath).Take(count).ToList();
        var groups = SampleGroups(checkpoint, device, problems, group);
        int trees = groups.Sum(g => g.Trajectories.Count);
        double reward = groups.SelectMany(g => g.Trajectories).Average(t => t.Reward);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{groups.Count} groups × {group} trees from {checkpoint}: {trees} trajectories, {groups.Sum(g => g.Trajectories.Sum(t => t.Segments.Count))} segments, " +
            $"{groups.Sum(g => g.Trajectories.Sum(t => t.Segments.Sum(s => (long)s.Generated.Length)))} generated tokens, mean reward {reward:F3}; " +
            $"machine: {Environment.ProcessorCount} cores, torch threads {TorchSharp.torch.get_num_threads()}, device {device}, .NET {Environment.Version}"));

        var seconds = new Dictionary<MicroBatchPacking, List<double>> { [MicroBatchPacking.ByTrajectory] = [], [MicroBatchPacking.ByLength] = [] };
        var output = Directory.CreateTempSubdirectory("apr-grpo-bench-").FullName;
        try
        {
            for (int round = 1; round <= repeats; round++)
            {
                // Alternating which packing goes first, so neither always pays the first round's warm-up.
                var order = round % 2 == 1 ? seconds.Keys.ToArray() : seconds.Keys.Reverse().ToArray();
                foreach (var packing in order)
                {
                    var settings = new GrpoRunSettings { Experiment = "bench", InitPath = checkpoint, Out = output, Device = device, MicroBatchTokens = microBatch };
                    using var trainer = GrpoTrainer.Start(settings);
                    var stats = trainer.Train(groups, currentVersion: 0, packing);
                    seconds[packing].Add(stats.TrainSeconds);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"round {round}, {packing,-12}: {stats.TrainSeconds,6:F2} s ({settings.InnerUpdates} updates), {stats.PaddedTokens} padded positions " +
                        $"per pass ({stats.PaddingFraction:P1} padding), loss {stats.Loss:F6}, kl {stats.Kl:F6}"));
                }
            }
        }
        finally { Directory.Delete(output, recursive: true); }
        double before = Statistics.Median(seconds[MicroBatchPacking.ByTrajectory]), after = Statistics.Median(seconds[MicroBatchPacking.ByLength]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median step: by trajectory {before:F2} s, by length {after:F2} s: {before / after:F2}x faster ({threads} torch threads)"));
        return 0;
    }

    /// <summary>G sampled APR trees per problem (T = 1, seeded), each rewarded by the exact checker, as rollout groups.</summary>
    private static List<RolloutGroup> SampleGroups(string checkpoint, string device, IReadOnlyList<Problem> problems, int group)
    {
        using var local = LocalModel.Load(checkpoint, device);
        var runtime = new SpawnJoinRuntime(local.Engine, local.Tokenizer, TreeLimits.Default.FitTo(local.Engine.ContextTokens));
        var sampled = problems.Select((problem, p) => Task.WhenAll(Enumerable.Range(0, group).Select(g =>
            runtime.RunAsync(PromptBuilder.Root(problem), new SamplingSettings(Temperature: 1.0f, Seed: p * 1_000_003L + g))))).ToList();
        Task.WhenAll(sampled).GetAwaiter().GetResult();
        return [.. problems.Select((problem, p) => new RolloutGroup(problem.Key, [.. sampled[p].Result.Select(tree =>
            Trajectory.From(tree, Trajectory.ExactReward(problem, tree)))]))];
    }
}
