namespace AprOrleans.Countdown.IO;

/// <summary>
/// Writes a file through a temporary sibling and renames it into place only on <see cref="Commit"/>,
/// so a failure half-way never leaves a partial output file (and never clobbers an existing one).
/// Devices and links are written in place instead (<see cref="WritesInPlace"/>).
/// </summary>
public sealed class AtomicFileWriter : IDisposable
{
    private readonly string _finalPath;
    private readonly string? _tempPath;
    private bool _committed;

    public StreamWriter Writer { get; }

    public AtomicFileWriter(string path)
    {
        _finalPath = Path.GetFullPath(path);
        var encoding = new System.Text.UTF8Encoding(false);
        if (WritesInPlace(_finalPath))
        {
            Writer = new StreamWriter(new FileStream(_finalPath, FileMode.Create, FileAccess.Write, FileShare.ReadWrite), encoding) { NewLine = "\n" };
            return;
        }
        var directory = Path.GetDirectoryName(_finalPath)!;
        Directory.CreateDirectory(directory);
        _tempPath = Path.Combine(directory, $".{Path.GetFileName(_finalPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Writer = new StreamWriter(_tempPath, append: false, encoding) { NewLine = "\n" };
    }

    /// <summary>
    /// True for an existing link (`--out latest.jsonl` pointing at a run's file) and for anything under /dev or /proc
    /// (`--out /dev/null`, `/dev/stdout`, `/proc/self/fd/N`): renaming over them would replace the link or the device
    /// itself — as root, a regular file would stand in for /dev/null for every process on the machine. What is written
    /// through them is the user's to keep whole.
    /// </summary>
    public static bool WritesInPlace(string path)
    {
        var full = Path.GetFullPath(path);
        if (full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal)) return true;
        return new FileInfo(full).LinkTarget is not null;
    }

    public void Commit()
    {
        Writer.Flush();
        Writer.BaseStream.Flush();
        Writer.Dispose();
        if (_tempPath is not null) File.Move(_tempPath, _finalPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        Writer.Dispose();
        if (_tempPath is null) return;
        try { File.Delete(_tempPath); } catch (IOException) { /* best effort: the temp name is unique */ }
    }
}
