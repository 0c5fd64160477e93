using AprOrleans.Api;
using AprOrleans.Interfaces.Experiments;
using Grpc.Core;

namespace AprOrleans.Silo.Experiments;

/// <summary>Converts the grains' experiment and rollout records to training.proto's messages and grain faults to gRPC statuses.</summary>
public static class ExperimentMapping
{
    /// <summary>The snapshot, or the fault as an RpcException.</summary>
    public static Experiment Unwrap(ExperimentReply reply) => reply.Fault switch
    {
        ExperimentFault.None => Experiment(reply.Snapshot),
        ExperimentFault.NotFound => throw Status(StatusCode.NotFound, reply.Message),
        ExperimentFault.AlreadyExists => throw Status(StatusCode.AlreadyExists, reply.Message),
        ExperimentFault.InvalidArgument => throw Status(StatusCode.InvalidArgument, reply.Message),
        _ => throw Status(StatusCode.FailedPrecondition, reply.Message),
    };

    public static Experiment Experiment(ExperimentSnapshot s)
    {
        var message = new Experiment
        {
            Name = s.Name,
            Status = (ExperimentStatus)(int)s.Status,
            Step = s.Step,
            BaseVersion = s.BaseVersion,
            WeightVersion = s.WeightVersion,
            RolloutStepsReady = s.RolloutStepsReady,
            GroupsReady = s.GroupsReady,
            Error = s.Error ?? "",
            UpdatedUnixMs = s.UpdatedAt.ToUnixTimeMilliseconds(),
        };
        if (s.Spec is { } spec) message.Config = Config(spec);
        if (s.Latest is { } latest) message.Latest = Metrics(latest);
        return message;
    }

    public static ExperimentConfig Config(ExperimentSpec spec)
    {
        var config = new ExperimentConfig
        {
            Numbers = spec.Numbers,
            ProblemSeed = spec.ProblemSeed,
            GroupSize = spec.GroupSize,
            ProblemsPerStep = spec.ProblemsPerStep,
            MaxSteps = spec.MaxSteps,
            RolloutAhead = spec.RolloutAhead,
            Sampling = new Sampling { Temperature = spec.Sampling.Temperature, TopK = spec.Sampling.TopK, TopP = spec.Sampling.TopP, Seed = spec.Sampling.Seed },
            Limits = new Limits
            {
                MaxChildrenPerSpawn = spec.Limits.MaxChildrenPerSpawn,
                MaxDepth = spec.Limits.MaxDepth,
                MaxTokensPerThread = spec.Limits.MaxTokensPerThread,
                MaxTotalTokens = spec.Limits.MaxTotalTokens,
                MaxSpawnsPerThread = spec.Limits.MaxSpawnsPerThread,
            },
            EverySolutionUses = spec.EverySolutionUses?.ToString() ?? "",
        };
        // proto3 optional: set only when the spec holds a share, so an unset one reads back unset.
        if (spec.EverySolutionUsesShare is { } share) config.EverySolutionUsesShare = share;
        return config;
    }

    public static StepMetrics Metrics(StepMetricsRecord m) => new()
    {
        Step = m.Step,
        RewardMean = m.RewardMean,
        Accuracy = m.Accuracy,
        ZeroAdvantageFraction = m.ZeroAdvantageFraction,
        ChildrenPerSpawn = m.ChildrenPerSpawn,
        SequentialTokens = m.SequentialTokens,
        TotalTokens = m.TotalTokens,
        RolloutSeconds = m.RolloutSeconds,
        OldestWeightVersion = m.OldestWeightVersion,
        Loss = m.Loss,
        Kl = m.Kl,
        SamplerGap = m.SamplerGap,
        ClipFraction = m.ClipFraction,
        TrainSeconds = m.TrainSeconds,
        PublishSeconds = m.PublishSeconds,
        WeightSyncSeconds = m.WeightSyncSeconds,
        TrajectoriesUsed = m.TrajectoriesUsed,
        WeightVersion = m.WeightVersion,
        CompletedUnixMs = m.CompletedAt.ToUnixTimeMilliseconds(),
    };

    /// <summary>The trainer-side fields of a report (the rollout side is the silo's own).</summary>
    public static StepMetricsRecord TrainerMetrics(StepMetrics? m) => m is null ? new StepMetricsRecord() : new StepMetricsRecord
    {
        Loss = m.Loss,
        Kl = m.Kl,
        SamplerGap = m.SamplerGap,
        ClipFraction = m.ClipFraction,
        TrainSeconds = m.TrainSeconds,
        PublishSeconds = m.PublishSeconds,
        WeightSyncSeconds = m.WeightSyncSeconds,
        TrajectoriesUsed = m.TrajectoriesUsed,
    };

    public static RolloutGroup Group(RolloutGroupRecord g)
    {
        var group = new RolloutGroup { Step = g.Step, Index = g.Index, Target = g.Target, RolloutSeconds = g.RolloutSeconds };
        group.Numbers.AddRange(g.Numbers);
        foreach (var t in g.Trajectories)
        {
            var trajectory = new RolloutTrajectory
            {
                Reward = t.Reward,
                Answer = t.Answer,
                Threads = t.Threads,
                Spawns = t.Spawns,
                Children = t.Children,
                TotalTokens = t.TotalTokens,
                SequentialTokens = t.SequentialTokens,
            };
            foreach (var s in t.Segments)
            {
                var segment = new RolloutSegment { NodeId = s.NodeId, Level = s.Level };
                segment.Context.AddRange(s.Context);
                segment.Generated.AddRange(s.Generated);
                segment.LogProbs.AddRange(s.LogProbs);
                segment.WeightVersions.AddRange(s.WeightVersions);
                trajectory.Segments.Add(segment);
            }
            group.Trajectories.Add(trajectory);
        }
        return group;
    }

    private static RpcException Status(StatusCode code, string? message) => new(new Grpc.Core.Status(code, message ?? code.ToString()));
}
