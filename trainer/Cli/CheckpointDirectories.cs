using AprOrleans.CommandLine;

namespace AprOrleans.Trainer.Cli;

/// <summary>Checks shared by the commands that read checkpoints (sft --init, grow, average).</summary>
public static class CheckpointDirectories
{
    /// <summary>Saving replaces a directory whole, so --out must be new and must not overlap a source.</summary>
    public static void RequireNewOutput(string output, IEnumerable<string> sources)
    {
        static string Full(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) + Path.DirectorySeparatorChar;
        string target = Full(output);
        foreach (var from in sources)
        {
            string source = Full(from);
            if (source.StartsWith(target, StringComparison.Ordinal) || target.StartsWith(source, StringComparison.Ordinal))
                throw new UsageException($"--out '{output}' overlaps --from '{from}': the new checkpoint goes into a new directory");
        }
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new UsageException($"--out '{output}' exists and is not empty: the new checkpoint goes into a new directory");
    }

    /// <summary>The run folder a checkpoint lies in (RUN/checkpoints/step-N → RUN): where a resumed run keeps writing.</summary>
    public static string RunOf(string checkpoint) =>
        Path.GetDirectoryName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(checkpoint))))!;

    /// <summary>Reads from the checkpoint an option names; what cannot be read there is a bad option (exit 2).</summary>
    public static T Readable<T>(string option, string directory, Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException
                                      or System.Text.Json.JsonException or ArgumentException)
        {
            throw new UsageException($"--{option} '{directory}': {e.Message}");
        }
    }
}
