using AprOrleans.Api;
using AprOrleans.Interfaces.Weights;
using AprOrleans.Storage.Weights;
using Grpc.Core;

namespace AprOrleans.Silo.Api;

/// <summary>
/// One <c>Weights.PublishShared</c>: the named outbox file is first moved into this silo's incoming folder, so the
/// name the publisher used no longer reaches it, then its size and sha256 are checked against the header. Disposing
/// puts the file back into the outbox unless the store has taken it: a refused publish leaves the publisher's file
/// where it was. (A hard-linked file still shares its data with the publisher's original, which therefore must not be
/// rewritten in place; see <see cref="SharedWeightOutbox.Place"/>.)
/// </summary>
internal sealed class SharedWeightIntake : IDisposable
{
    private readonly string _source;

    private SharedWeightIntake(string source, string path, WeightVersionInfo version) => (_source, Path, Version) = (source, path, version);

    /// <summary>Where the file is now (this silo's incoming folder), until the store takes it.</summary>
    public string Path { get; }

    public WeightVersionInfo Version { get; }

    /// <summary>
    /// Takes <c>outbox/<paramref name="fileName"/></c> from <paramref name="sharedRoot"/> into
    /// <paramref name="incomingDirectory"/> and verifies it against <paramref name="header"/>.
    /// </summary>
    public static async Task<SharedWeightIntake> TakeAsync(
        string sharedRoot, string incomingDirectory, WeightHeader header, string fileName, CancellationToken cancellationToken)
    {
        if (!SharedWeightDirectory.IsOutboxFileName(fileName))
            throw SolveRequestValidator.Invalid("file", $"'{fileName}' must be a file name in the shared directory's outbox/: " +
                                                        "letters, digits, '.', '_' and '-', ending .safetensors, no directory");
        var outbox = System.IO.Path.Combine(sharedRoot, SharedWeightDirectory.Outbox);
        RequireRealDirectory(outbox, create: false);
        RequireRealDirectory(System.IO.Path.GetDirectoryName(incomingDirectory)!, create: true);
        RequireRealDirectory(incomingDirectory, create: true);
        var source = System.IO.Path.Combine(outbox, fileName);
        var staged = System.IO.Path.Combine(incomingDirectory, $"shared-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.Move(source, staged);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw SolveRequestValidator.Invalid("file", $"outbox/{fileName} is not in the shared weights directory");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"this silo cannot move outbox/{fileName} into {incomingDirectory}: {e.Message}"));
        }

        try
        {
            var version = await VerifyAsync(staged, header, fileName, cancellationToken);
            return new SharedWeightIntake(source, staged, version);
        }
        catch
        {
            PutBack(staged, source);
            throw;
        }
    }

    private static async Task<WeightVersionInfo> VerifyAsync(string staged, WeightHeader header, string fileName, CancellationToken cancellationToken)
    {
        // Checked after the move, so that nothing can swap a link in between: a link could point anywhere.
        var file = new FileInfo(staged);
        if (file.LinkTarget is not null)
            throw SolveRequestValidator.Invalid("file", $"outbox/{fileName} is a symbolic link; publish a regular file");
        if (file.Length != header.SizeBytes)
            throw SolveRequestValidator.Invalid("header.size_bytes", $"outbox/{fileName} has {file.Length} bytes, the header says {header.SizeBytes}");
        var sha256 = await WeightFileDigest.Sha256HexAsync(staged, cancellationToken);
        if (sha256 != header.Sha256)
            throw SolveRequestValidator.Invalid("header.sha256", $"outbox/{fileName}'s sha256 is {sha256}, the header says {header.Sha256}");
        return new WeightVersionInfo(header.Version, sha256, file.Length, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>A folder that is a link could lead the silo to move files it should not touch.</summary>
    private static void RequireRealDirectory(string directory, bool create)
    {
        var info = new DirectoryInfo(directory);
        if (info.LinkTarget is not null)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"{directory} is a symbolic link; the shared weights directory's folders must be real folders"));
        if (info.Exists) return;
        if (!create)
            throw SolveRequestValidator.Invalid("file", $"the shared weights directory has no {info.Name}/ folder; put the blob in outbox/ first");
        try
        {
            info.Create();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"this silo cannot create {directory}: {e.Message}"));
        }
    }

    /// <summary>Puts the file back where the publisher left it, unless the store took it.</summary>
    public void Dispose() => PutBack(Path, _source);

    private static void PutBack(string staged, string source)
    {
        if (!File.Exists(staged)) return;
        try
        {
            File.Move(staged, source, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another file has that name now, or the outbox is no longer writable: this one stays in the incoming folder (emptied at the silo's next start)
            // rather than overwrite it.
        }
    }
}
