using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace AprOrleans.Interfaces.Weights;

/// <summary>
/// The layout of the cluster's shared weights volume, a directory every silo (<c>Apr:SharedWeightsDirectory</c>) and
/// the trainer (<c>--shared-weights</c>) mount, each at its own path. A publisher puts a blob into <c>outbox/</c> and
/// names it in <c>Weights.PublishShared</c>; the silo moves it into <c>incoming/</c> to check it and then into
/// <c>store/</c>, where every silo reads published versions in place. No weight bytes cross the network twice.
/// </summary>
public static partial class SharedWeightDirectory
{
    public const string Outbox = "outbox";
    public const string Incoming = "incoming";
    public const string Store = "store";

    private const string Extension = ".safetensors";

    /// <summary>
    /// Whether <paramref name="name"/> may name a file in the outbox: a plain file name (no directory, no leading
    /// dot) of letters, digits, '.', '_' and '-', ending <c>.safetensors</c>.
    /// </summary>
    public static bool IsOutboxFileName(string name) => name.Length <= 200 && OutboxFileName().IsMatch(name);

    /// <summary>
    /// Puts <paramref name="blobPath"/> into <paramref name="root"/>/outbox under a fresh name and returns that name.
    /// On the same file system it is a hard link: no byte is copied and the original keeps its name (a trainer's
    /// checkpoint stays whole when the silo takes the outbox entry). Elsewhere it is a copy, written under a hidden
    /// temporary name and renamed, so a silo never sees part of it.
    /// </summary>
    public static string Place(string root, string blobPath, long version)
    {
        var outbox = Path.Combine(root, Outbox);
        Directory.CreateDirectory(outbox);
        var name = $"v{version}-{Guid.NewGuid():N}{Extension}";
        var target = Path.Combine(outbox, name);
        if (TryHardLink(blobPath, target)) return name;
        var temporary = Path.Combine(outbox, $".{name}.partial");
        try
        {
            File.Copy(blobPath, temporary);
            File.Move(temporary, target);
        }
        finally
        {
            File.Delete(temporary);
        }
        return name;
    }

    private static bool TryHardLink(string existing, string link) =>
        (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && LinkNative(existing, link) == 0;

    // POSIX link(2); .NET has no hard-link API. It fails (EXDEV) across file systems, and Place then copies.
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int LinkNative([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string link);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\.safetensors$")]
    private static partial Regex OutboxFileName();
}
