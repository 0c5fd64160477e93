using AprOrleans.Interfaces.Weights;

namespace AprOrleans.Grains.Weights;

/// <summary>
/// The weight store of a single silo with memory storage: blobs are files in one local directory, and "fetching"
/// one is reading it in place.
/// </summary>
public sealed class DirectoryWeightStore(string directory) : IWeightStore
{
    public Task StoreAsync(WeightVersionInfo version, string blobPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, WeightFileNames.For(version));
        if (File.Exists(target)) return Task.CompletedTask;
        // Moving within one file system is atomic: a reader sees no file or the whole blob.
        File.Move(blobPath, target);
        return Task.CompletedTask;
    }

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
}
