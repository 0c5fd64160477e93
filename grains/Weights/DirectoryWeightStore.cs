using AprOrleans.Interfaces.Weights;

namespace AprOrleans.Grains.Weights;

/// <summary>
/// Blobs as files in one directory, and "fetching" one is reading it in place: a single silo's own directory (memory
/// storage), or the store/ of a shared weights volume every silo of the cluster mounts.
/// </summary>
public sealed class DirectoryWeightStore(string directory) : IWeightStore
{
    public Task<IWeightBlobWriter> BeginAsync(WeightVersionInfo version, CancellationToken cancellationToken) =>
        Task.FromResult<IWeightBlobWriter>(new FileMover(Path.Combine(directory, WeightFileNames.For(version))));

    public Task<string> FetchAsync(WeightVersionInfo version, string localDirectory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, WeightFileNames.For(version));
        return File.Exists(path)
            ? Task.FromResult(path)
            : Task.FromException<string>(new FileNotFoundException($"weight version {version.Version} is not in the store {directory}", path));
    }

    public Task DeleteBelowAsync(long version, CancellationToken cancellationToken)
    {
        WeightFileNames.DeleteBelow(directory, version);
        return Task.CompletedTask;
    }

    /// <summary>The received file is the blob: commit moves it into the store, so the bytes need not be written twice.</summary>
    private sealed class FileMover(string target) : IWeightBlobWriter
    {
        public Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task CommitAsync(string verifiedFile, CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // Moving within one file system is atomic: a reader sees no file or the whole blob.
            try
            {
                if (!File.Exists(target)) File.Move(verifiedFile, target);
            }
            catch (IOException) when (File.Exists(target))
            {
                // Another silo stored the same blob (the name carries version and sha256) a moment earlier.
            }
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
