using System.Security.Cryptography;
using AprOrleans.Countdown.Problems;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Reasoning.Evaluation;
using AprOrleans.Reasoning.Evaluation.Records;

namespace AprOrleans.Client.Commands;

/// <summary>Where `apr eval --record` writes, and under which model name.</summary>
public sealed record RunRecording(string Path, string? Label);

/// <summary>Writes an in-process evaluation as a recorded run (<see cref="RunRecordFile"/>).</summary>
public static class RunRecorder
{
    public static void Write(RunRecording recording, string problemsPath, IReadOnlyList<Problem> problems, EvalSettings settings,
        EvalSummary summary, IReadOnlyList<ProblemOutcome> outcomes, string checkpoint, string device, int torchThreads, DateTimeOffset started)
    {
        var checkpointPath = System.IO.Path.GetFullPath(checkpoint).TrimEnd('/');
        var header = new RunHeader(
            RunHeader.Kind, RunHeader.CurrentFormat,
            recording.Label ?? System.IO.Path.GetFileName(checkpointPath),
            // Relative to where eval ran (the repository, for the committed records): a record names no machine's paths.
            System.IO.Path.GetRelativePath(Environment.CurrentDirectory, checkpointPath),
            ModelDigest(checkpointPath),
            EvalModes.Name(settings.Mode), settings.Samples, settings.SubCallBudget, settings.TokenBudget,
            RunHeader.Decimal(settings.Sampling.Temperature), settings.Sampling.TopK, RunHeader.Decimal(settings.Sampling.TopP),
            RunLimits.From(settings.Limits), settings.Concurrency, torchThreads, device, Environment.ProcessorCount,
            System.IO.Path.GetFileName(problemsPath), RunRecordBuilder.ProblemsDigest(problems), problems.Count,
            started, (DateTimeOffset.UtcNow - started).TotalSeconds, summary);
        RunRecordFile.Write(recording.Path, header, outcomes.Select((o, i) => RunRecordBuilder.Problem(i, o)));
        Console.Error.WriteLine($"recorded {problems.Count} problems × {settings.Samples} samples to {recording.Path}");
    }

    /// <summary>The weights' SHA-256: the one saved beside them when it is current, else computed.</summary>
    private static string ModelDigest(string checkpoint)
    {
        var weights = System.IO.Path.Combine(checkpoint, "model.safetensors");
        if (WeightsDigest.TryRead(weights) is { } saved) return saved;
        using var stream = File.OpenRead(weights);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
