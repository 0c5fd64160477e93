using AprOrleans.Interfaces.Weights;
using Microsoft.Extensions.Options;

namespace AprOrleans.Grains.Weights;

/// <summary>
/// This silo's copies of published weight versions: each version is fetched from the store once, however many
/// batchers (and activations) ask for it, and older copies are deleted once a newer version serves.
/// </summary>
public sealed class LocalWeightFiles(IWeightStore store, IOptions<WeightOptions> options)
{
    private readonly SemaphoreSlim _fetch = new(1, 1);
    private readonly Dictionary<long, string> _files = [];

    /// <summary>A local safetensors file holding <paramref name="version"/> (fetched now unless already here).</summary>
    public async Task<string> EnsureAsync(WeightVersionInfo version, CancellationToken cancellationToken = default)
    {
        await _fetch.WaitAsync(cancellationToken);
        try
        {
            if (_files.TryGetValue(version.Version, out var known) && File.Exists(known)) return known;
            var path = await store.FetchAsync(version, options.Value.LocalDirectory, cancellationToken);
            _files[version.Version] = path;
            return path;
        }
        finally
        {
            _fetch.Release();
        }
    }

    /// <summary>
    /// Keeps a verified blob this silo already has (the upload it just stored) as its local copy of
    /// <paramref name="version"/>, so this silo need not fetch it back from the store. The file is moved.
    /// </summary>
    public async Task AdoptAsync(WeightVersionInfo version, string blobPath)
    {
        await _fetch.WaitAsync();
        try
        {
            if (_files.ContainsKey(version.Version)) return;
            Directory.CreateDirectory(options.Value.LocalDirectory);
            var target = Path.Combine(options.Value.LocalDirectory, WeightFileNames.For(version));
            File.Move(blobPath, target, overwrite: true);
            _files[version.Version] = target;
        }
        finally
        {
            _fetch.Release();
        }
    }

    /// <summary>Deletes this silo's copies of versions below <paramref name="version"/> (never the store's own files).</summary>
    public async Task DeleteBelowAsync(long version)
    {
        await _fetch.WaitAsync();
        try
        {
            foreach (var old in _files.Keys.Where(v => v < version).ToList()) _files.Remove(old);
            WeightFileNames.DeleteBelow(options.Value.LocalDirectory, version);
        }
        finally
        {
            _fetch.Release();
        }
    }
}
