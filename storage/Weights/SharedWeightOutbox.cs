using System.Runtime.InteropServices;

namespace AprOrleans.Storage.Weights;

/// <summary>The publisher's side of <see cref="SharedWeightDirectory"/>: putting a blob into the outbox.</summary>
public static class SharedWeightOutbox
{
    /// <summary>
    /// Puts <paramref name="blobPath"/> into <paramref name="root"/>/outbox under a fresh name and returns that name.
    /// On the same file system it is a hard link: no byte is copied and the original keeps its name (a trainer's
    /// checkpoint stays whole when the silo takes the outbox entry). The linked file is then shared with the store,
    /// so the original must never be rewritten in place; checkpoints are not (a save writes a new directory and
    /// renames it). Elsewhere it is a copy, written under a hidden temporary name and renamed, so a silo never sees
    /// part of it.
    /// </summary>
    public static string Place(string root, string blobPath, long version)
    {
        var outbox = Path.Combine(root, SharedWeightDirectory.Outbox);
        Directory.CreateDirectory(outbox);
        var name = SharedWeightDirectory.NewOutboxName(version, DateTime.UtcNow);
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

    /// <summary>
    /// A hard link where the system has link(2). Any failure means "copy instead": across file systems (EXDEV), and on
    /// volumes without hard links (some network file systems refuse them); a blob that is missing fails the copy with
    /// its own clear error.
    /// </summary>
    private static bool TryHardLink(string existing, string link) =>
        (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && LinkNative(existing, link) == 0;

    // POSIX link(2); .NET has no hard-link API.
    [DllImport("libc", EntryPoint = "link")]
    private static extern int LinkNative([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string link);
}
