using AprOrleans.Api;
using AprOrleans.Interfaces.Weights;

namespace AprOrleans.Silo.Api;

/// <summary>
/// One <c>Weights.PublishShared</c>: the named outbox file is first moved into the shared directory's
/// <c>incoming/</c>, so the publisher can no longer change it under that name while it is checked, then its size and
/// sha256 are checked against the header. Disposing puts the file back into the outbox unless the store has taken it:
/// a refused publish leaves the publisher's file as it was.
/// </summary>
internal sealed class SharedWeightIntake : IDisposable
{
    private readonly string _source;

    private SharedWeightIntake(string source, string path) => (_source, Path) = (source, path);

    /// <summary>Where the file is now (in <c>incoming/</c>), until the store takes it.</summary>
    public string Path { get; }

    public WeightVersionInfo Version { get; private set; } = null!;

    /// <summary>Takes <c>outbox/<paramref name="fileName"/></c> from <paramref name="sharedRoot"/> and verifies it against <paramref name="header"/>.</summary>
    public static async Task<SharedWeightIntake> TakeAsync(string sharedRoot, WeightHeader header, string fileName, CancellationToken cancellationToken)
    {
        if (!SharedWeightDirectory.IsOutboxFileName(fileName))
            throw SolveRequestValidator.Invalid("file", $"'{fileName}' must be a file name in the shared directory's outbox/: " +
                                                        "letters, digits, '.', '_' and '-', ending .safetensors, no directory");
        var source = System.IO.Path.Combine(sharedRoot, SharedWeightDirectory.Outbox, fileName);
        var incoming = System.IO.Path.Combine(sharedRoot, SharedWeightDirectory.Incoming);
        Directory.CreateDirectory(incoming);
        var staged = System.IO.Path.Combine(incoming, $"shared-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.Move(source, staged);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw SolveRequestValidator.Invalid("file", $"outbox/{fileName} is not in the shared weights directory");
        }

        var intake = new SharedWeightIntake(source, staged);
        try
        {
            // Checked after the move, so that nothing can swap a link in between: a link could point anywhere.
            var file = new FileInfo(staged);
            if (file.LinkTarget is not null)
                throw SolveRequestValidator.Invalid("file", $"outbox/{fileName} is a symbolic link; publish a regular file");
            if (file.Length != header.SizeBytes)
                throw SolveRequestValidator.Invalid("header.size_bytes", $"outbox/{fileName} has {file.Length} bytes, the header says {header.SizeBytes}");
            var sha256 = await WeightPublisher.Sha256HexAsync(staged, cancellationToken);
            if (sha256 != header.Sha256)
                throw SolveRequestValidator.Invalid("header.sha256", $"outbox/{fileName}'s sha256 is {sha256}, the header says {header.Sha256}");
            intake.Version = new WeightVersionInfo(header.Version, sha256, file.Length, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            return intake;
        }
        catch
        {
            intake.Dispose();
            throw;
        }
    }

    /// <summary>Puts the file back where the publisher left it, unless the store took it or that name was taken meanwhile.</summary>
    public void Dispose()
    {
        if (!File.Exists(Path)) return;
        try
        {
            File.Move(Path, _source, overwrite: false);
        }
        catch (IOException)
        {
            // Another file has that name now: this one stays in incoming/ rather than be deleted or overwrite it.
        }
    }
}
