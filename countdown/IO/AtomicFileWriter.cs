namespace AprOrleans.Countdown.IO;

/// <summary>
/// Writes a file through a temporary sibling and renames it into place only on <see cref="Commit"/>,
/// so a failure half-way never leaves a partial output file (and never clobbers an existing one).
/// </summary>
public sealed class AtomicFileWriter : IDisposable
{
    private readonly string _finalPath;
    private readonly string _tempPath;
    private bool _committed;

    public StreamWriter Writer { get; }

    public AtomicFileWriter(string path)
    {
        _finalPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(_finalPath)!;
        Directory.CreateDirectory(directory);
        _tempPath = Path.Combine(directory, $".{Path.GetFileName(_finalPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Writer = new StreamWriter(_tempPath, append: false, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
    }

    public void Commit()
    {
        Writer.Flush();
        Writer.BaseStream.Flush();
        Writer.Dispose();
        File.Move(_tempPath, _finalPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        Writer.Dispose();
        try { File.Delete(_tempPath); } catch (IOException) { /* best effort: the temp name is unique */ }
    }
}
