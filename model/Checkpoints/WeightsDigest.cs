namespace AprOrleans.Model.Checkpoints;

/// <summary>
/// The SHA-256 of a weights file, written beside it when the file is saved as <c>&lt;file&gt;.sha256</c> in
/// <c>sha256sum</c>'s format (so <c>sha256sum -c model.safetensors.sha256</c> verifies the file). Publishing reads it
/// instead of hashing the file again.
/// </summary>
public static class WeightsDigest
{
    public static string PathFor(string weightsPath) => weightsPath + ".sha256";

    public static void Write(string weightsPath, string sha256Hex) =>
        File.WriteAllText(PathFor(weightsPath), $"{sha256Hex}  {Path.GetFileName(weightsPath)}\n");

    /// <summary>
    /// The recorded lower-case hex digest, or null when the file has none (saved by an older version) or was
    /// rewritten after it (its modification time is later than the digest's).
    /// </summary>
    public static string? TryRead(string weightsPath)
    {
        var digest = new FileInfo(PathFor(weightsPath));
        var weights = new FileInfo(weightsPath);
        if (!digest.Exists || !weights.Exists || weights.LastWriteTimeUtc > digest.LastWriteTimeUtc) return null;
        var hex = File.ReadAllText(digest.FullName).Split(' ', 2)[0].Trim();
        return hex.Length == 64 && hex.All(Uri.IsHexDigit) ? hex.ToLowerInvariant() : null;
    }
}
