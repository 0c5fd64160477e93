using System.CommandLine;
using System.Globalization;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Problems;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Evaluation;
using AprOrleans.Reasoning.Rl;
using AprOrleans.Reasoning.Runtime;
using AprOrleans.Trainer.Grpo;

namespace AprOrleans.Bench;

/// <summary>
/// One GRPO training step on real rollouts, with the micro-batches packed by trajectory (the earlier packing) and by
/// length, side by side: seconds, padded positions, and the loss (which the packing must not change). The rollouts are
/// G sampled APR trees (T = 1) per problem from the checkpoint on the continuous-batching engine, rewarded by the exact
/// checker, as the rollout grains make them.
/// <c>--save-groups FILE</c> keeps the sampled groups and <c>--groups FILE</c> trains on saved ones instead of sampling,
/// so that two builds or settings can be timed on the very same rollouts; <c>--packing length|trajectory|both</c>.
/// Usage: grpo-step --checkpoint DIR (--problems FILE [--count 8] [--group 5] | --groups FILE) [--save-groups FILE]
///        [--repeats 3] [--threads 1] [--micro-batch-tokens 32768] [--packing both] [--device cpu]
/// </summary>
public static class GrpoStepBench
{
    public static Command Command()
    {
        var checkpoint = ValueOptions.OptionalText("--checkpoint", "checkpoint directory (required)");
        var problems = ValueOptions.OptionalText("--problems", "problem file to sample rollouts for (this or --groups)");
        var count = ValueOptions.Int("--count", "problems (groups) to sample", 8);
        var group = ValueOptions.Int("--group", "trees per problem (G)", 5);
        var groups = ValueOptions.OptionalText("--groups", "train on these saved groups instead of sampling");
        var saveGroups = ValueOptions.OptionalText("--save-groups", "keep the sampled groups in this file");
        var microBatch = ValueOptions.Int("--micro-batch-tokens", "padded tokens per micro-batch", 32768);
        var packing = ValueOptions.Text("--packing", "length, trajectory or both", "both");
        var repeats = ValueOptions.Int("--repeats", "timed steps per packing", 3);
        var device = ValueOptions.Text("--device", "cpu or cuda:N", "cpu");
        var threads = ValueOptions.Int("--threads", "libtorch CPU threads", 1);
        var command = new Command("grpo-step", "one GRPO step on real rollouts, micro-batches packed by trajectory vs by length")
            { checkpoint, problems, count, group, groups, saveGroups, microBatch, packing, repeats, device, threads };
        command.SetAction(parse => Run(new Request(parse.GetValue(checkpoint), parse.GetValue(problems), parse.GetValue(groups), parse.GetValue(saveGroups),
            parse.GetValue(packing)!, parse.GetValue(count), parse.GetValue(group), parse.GetValue(repeats), parse.GetValue(threads),
            parse.GetValue(microBatch), parse.GetValue(device)!)));
        return command;
    }

    private sealed record Request(string? Checkpoint, string? Problems, string? Groups, string? SaveGroups, string Packing,
        int Count, int Group, int Repeats, int Threads, int MicroBatchTokens, string Device);

    private static int Run(Request request)
    {
        var (checkpoint, problemsPath, groupsPath, packingName) = (request.Checkpoint, request.Problems, request.Groups, request.Packing);
        if (checkpoint is null || (groupsPath is not null ? !File.Exists(groupsPath) : !File.Exists(problemsPath)))
            throw new UsageException("--checkpoint DIR and --problems FILE or --groups FILE (an existing file) are required");
        MicroBatchPacking[]? packings = packingName switch
        {
            "both" => [MicroBatchPacking.ByTrajectory, MicroBatchPacking.ByLength],
            "length" => [MicroBatchPacking.ByLength],
            "trajectory" => [MicroBatchPacking.ByTrajectory],
            _ => null,
        };
        if (packings is null)
            throw new UsageException($"--packing '{packingName}': expected length, trajectory or both");
        var (count, group, repeats, threads, microBatch, device) =
            (request.Count, request.Group, request.Repeats, request.Threads, request.MicroBatchTokens, request.Device);
        if (count < 1 || group < 2 || repeats < 1 || threads < 1 || microBatch < 256)
            throw new UsageException("--count ≥ 1, --group ≥ 2, --repeats ≥ 1, --threads ≥ 1, --micro-batch-tokens ≥ 256");
        TorchSharp.torch.set_num_threads(threads);
        List<RolloutGroup> groups;
        if (groupsPath is not null) groups = RolloutGroupsFile.Read(groupsPath);
        else groups = SampleGroups(checkpoint, device, ProblemFile.Read(problemsPath!).Take(count).ToList(), group);
        if (request.SaveGroups is { Length: > 0 } savePath) RolloutGroupsFile.Write(savePath, groups);
        group = groups.Max(g => g.Trajectories.Count);
        int trees = groups.Sum(g => g.Trajectories.Count);
        double reward = groups.SelectMany(g => g.Trajectories).Average(t => t.Reward);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{groups.Count} groups × {group} trees from {checkpoint}: {trees} trajectories, {groups.Sum(g => g.Trajectories.Sum(t => t.Segments.Count))} segments, " +
            $"{groups.Sum(g => g.Trajectories.Sum(t => t.Segments.Sum(s => (long)s.Generated.Length)))} generated tokens, mean reward {reward:F3}; " +
            $"machine: {Environment.ProcessorCount} cores, torch threads {TorchSharp.torch.get_num_threads()}, device {device}, .NET {Environment.Version}"));

        var seconds = packings.ToDictionary(p => p, _ => new List<double>());
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
                        $"round {round}, {packing,-12}: {stats.TrainSeconds,6:F2} s ({settings.InnerUpdates} updates), {stats.GeneratedTokens / stats.TrainSeconds:F0} generated tokens/s; " +
                        $"{stats.RowTokens} row positions, {stats.PaddedTokens} with padding per pass ({stats.PaddingFraction:P1} padding), loss {stats.Loss:F6}, kl {stats.Kl:F6}"));
                }
            }
        }
        finally { Directory.Delete(output, recursive: true); }
        foreach (var (packing, times) in seconds)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median step, {packing}: {Statistics.Median(times):F2} s ({threads} torch threads)"));
        if (seconds.Count == 2)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"by length is {Statistics.Median(seconds[MicroBatchPacking.ByTrajectory]) / Statistics.Median(seconds[MicroBatchPacking.ByLength]):F2}x faster than by trajectory"));
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
