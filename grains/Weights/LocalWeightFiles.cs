using AprOrleans.Interfaces.Weights;
using Microsoft.Extensions.Options;

namespace AprOrleans.Grains.Weights;

/// <summary>
/// This silo's copies of published weight versions: each version is fetched from the store once, however many
/// batchers (and activations) ask for it, and older copies are deleted once a newer version serves.
/// What is here is read from the directory itself: a copy's file name carries its version and sha256
/// (<see cref="WeightFileNames"/>), and a copy only appears there whole (moved into place after it was verified).
/// One call at a time, so a version is not fetched twice at once nor deleted while it is being adopted.
/// </summary>
public sealed class LocalWeightFiles(IWeightStore store, IOptions<WeightOptions> options)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>A local safetensors file holding <paramref name="version"/> (fetched now unless already here).</summary>
    public async Task<string> EnsureAsync(WeightVersionInfo version, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var local = LocalPath(version);
            return File.Exists(local) ? local : await store.FetchAsync(version, options.Value.LocalDirectory, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Keeps a verified blob this silo already has (the upload it just stored) as its local copy of
    /// <paramref name="version"/>, so this silo need not fetch it back from the store. The file is moved.
    /// </summary>
    public async Task AdoptAsync(WeightVersionInfo version, string blobPath)
    {
        await _gate.WaitAsync();
        try
        {
            var target = LocalPath(version);
            if (File.Exists(target)) return;
            Directory.CreateDirectory(options.Value.LocalDirectory);
            File.Move(blobPath, target, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Deletes this silo's copies of versions below <paramref name="version"/> (never the store's own files).</summary>
    public async Task DeleteBelowAsync(long version)
    {
        await _gate.WaitAsync();
        try
        {
            WeightFileNames.DeleteBelow(options.Value.LocalDirectory, version);
        }
        finally
        {
            _gate.Release();
        }
    }

    private string LocalPath(WeightVersionInfo version) => Path.Combine(options.Value.LocalDirectory, WeightFileNames.For(version));
}
