using System.Globalization;
using System.Net;

namespace AprOrleans.Tests.Service;

/// <summary>
/// The TCP sockets a process listens on, read from the kernel (its socket descriptors in /proc/PID/fd matched by inode
/// against /proc/net/tcp and tcp6): what each port is bound to, whatever interfaces the machine has.
/// </summary>
internal static class ListeningSockets
{
    private const string ListenState = "0A";

    public readonly record struct Listener(IPAddress Address, int Port);

    public static IReadOnlyList<Listener> Of(int processId)
    {
        var inodes = SocketInodes(processId);
        return [.. Read("/proc/net/tcp").Concat(Read("/proc/net/tcp6")).Where(s => inodes.Contains(s.Inode)).Select(s => s.Listener)];
    }

    private static HashSet<string> SocketInodes(int processId)
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{processId}/fd"))
        {
            // A socket descriptor links to "socket:[INODE]".
            if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                inodes.Add(target["socket:[".Length..^1]);
        }
        return inodes;
    }

    private static IEnumerable<(Listener Listener, string Inode)> Read(string table)
    {
        if (!File.Exists(table)) yield break;
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || fields[3] != ListenState) continue;
            var colon = fields[1].IndexOf(':');
            var port = int.Parse(fields[1][(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            yield return (new Listener(new IPAddress(KernelOrderBytes(fields[1][..colon])), port), fields[9]);
        }
    }

    /// <summary>The table prints each 32-bit word of the address as a little-endian hex number.</summary>
    private static byte[] KernelOrderBytes(string hex)
    {
        var bytes = new byte[hex.Length / 2];
        for (int word = 0; word < bytes.Length / 4; word++)
        {
            for (int b = 0; b < 4; b++)
                bytes[word * 4 + b] = byte.Parse(hex.AsSpan((word * 4 + 3 - b) * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return bytes;
    }
}
