using System.Globalization;
using AprOrleans.Interfaces.Weights;

namespace AprOrleans.Grains.Weights;

/// <summary>File names of weight blobs on disk: <c>v{version}-{sha256}.safetensors</c>, so the version can be read back.</summary>
internal static class WeightFileNames
{
    private const string Extension = ".safetensors";

    public static string For(WeightVersionInfo version) => $"v{version.Version}-{version.Sha256}{Extension}";

    /// <summary>The version a blob file name carries, or null for any other file.</summary>
    public static long? VersionOf(string path)
    {
        var name = Path.GetFileName(path);
        if (!name.StartsWith('v') || !name.EndsWith(Extension, StringComparison.Ordinal)) return null;
        int dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash > 1 && long.TryParse(name.AsSpan(1, dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : null;
    }

    /// <summary>Deletes the blob files of versions below <paramref name="version"/> in <paramref name="directory"/>.</summary>
    public static void DeleteBelow(string directory, long version)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            if (VersionOf(file) is { } v && v < version)
            {
                try { File.Delete(file); }
                catch (IOException) { /* still open somewhere: the next prune takes it */ }
            }
        }
    }
}
