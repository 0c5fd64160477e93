using System.Globalization;

namespace AprOrleans.Trainer.Cli;

/// <summary>
/// <c>--resume auto</c>: continue the run in the run folder from its newest checkpoint when it has one, else start
/// it. A Job that Kubernetes restarts (a preempted pod, a lost node) then neither starts over nor needs its
/// arguments edited. Checkpoints are moved into place whole (a hidden temporary directory renamed), so the newest
/// step-NNNNNNNN directory is a complete one.
/// </summary>
public static class AutoResume
{
    public const string Keyword = "auto";

    /// <summary>The newest checkpoint under RUN/checkpoints, or null when the run has none yet.</summary>
    public static string? NewestCheckpoint(string runFolder)
    {
        var checkpoints = Path.Combine(runFolder, "checkpoints");
        if (!Directory.Exists(checkpoints)) return null;
        return Directory.EnumerateDirectories(checkpoints, "step-*")
            .Select(path => (Path: path, Step: StepOf(Path.GetFileName(path))))
            .Where(c => c.Step >= 0)
            .OrderByDescending(c => c.Step)
            .Select(c => Path.GetFullPath(c.Path))
            .FirstOrDefault();
    }

    /// <summary>The step of a checkpoint directory's name (step-00000042 → 42), or -1 for any other name.</summary>
    private static int StepOf(string name) =>
        name.Length == 13 && name.StartsWith("step-", StringComparison.Ordinal)
        && int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int step) ? step : -1;
}
