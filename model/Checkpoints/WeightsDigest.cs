namespace AprOrleans.Model.Checkpoints;

/// <summary>
/// The SHA-256 of a checkpoint's weights, written beside them at save time as <c>model.safetensors.sha256</c> in
/// <c>sha256sum</c>'s format (so <c>sha256sum -c model.safetensors.sha256</c> verifies the file). Publishing reads it
/// instead of hashing the file again.
/// </summary>
public static class WeightsDigest
{
    public const string FileName = ModelCheckpoint.WeightsFile + ".sha256";

    public static void Write(string checkpointDirectory, string sha256Hex) =>
        File.WriteAllText(Path.Combine(checkpointDirectory, FileName), $"{sha256Hex}  {ModelCheckpoint.WeightsFile}\n");

    /// <summary>
    /// The recorded lower-case hex digest, or null when the checkpoint has none (saved by an older version) or the
    /// weights were rewritten after it (their modification time is later than the digest's).
    /// </summary>
    public static string? TryRead(string checkpointDirectory)
    {
        var digest = new FileInfo(Path.Combine(checkpointDirectory, FileName));
        var weights = new FileInfo(Path.Combine(checkpointDirectory, ModelCheckpoint.WeightsFile));
        if (!digest.Exists || !weights.Exists || weights.LastWriteTimeUtc > digest.LastWriteTimeUtc) return null;
        var hex = File.ReadAllText(digest.FullName).Split(' ', 2)[0].Trim();
        return hex.Length == 64 && hex.All(Uri.IsHexDigit) ? hex.ToLowerInvariant() : null;
    }
}
