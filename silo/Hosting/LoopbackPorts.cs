using System.Net;
using System.Net.Sockets;

namespace AprOrleans.Silo.Hosting;

/// <summary>The three ports of a silo on loopback: Orleans silo-to-silo, gRPC, HTTP health (the Orleans gateway is off).</summary>
public sealed record LoopbackPorts(int Silo, int Grpc, int Http)
{
    private static readonly HashSet<int> HandedOut = [];
    private static readonly Random Pick = new();

    /// <summary>
    /// Three ports free right now, drawn below the kernel's ephemeral range: a port the OS hands out for port 0 is
    /// also what it gives the next outgoing connection (to PostgreSQL, a gRPC channel), so a silo binding one later
    /// could find it taken. No port is handed out twice in one process. They are released before the silo binds
    /// them, so another process could still take one meanwhile; for tests and benchmarks on one machine that is rare.
    /// </summary>
    public static LoopbackPorts Free()
    {
        var ports = new int[3];
        lock (HandedOut)
        {
            var (low, high) = Range();
            for (int i = 0; i < ports.Length; i++)
            {
                for (int attempt = 0; ; attempt++)
                {
                    if (attempt == 1000) throw new InvalidOperationException($"no free loopback port in {low}..{high - 1}");
                    int candidate = Pick.Next(low, high);
                    if (HandedOut.Contains(candidate) || !Bindable(candidate)) continue;
                    HandedOut.Add(candidate);
                    ports[i] = candidate;
                    break;
                }
            }
        }
        return new LoopbackPorts(ports[0], ports[1], ports[2]);
    }

    /// <summary>Ports from 10 000 up to the start of the ephemeral range (Linux: ip_local_port_range, default 32768).</summary>
    private static (int Low, int High) Range()
    {
        int ephemeralStart = 32768;
        const string rangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(rangeFile)
            && File.ReadAllText(rangeFile).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) is [var first, ..]
            && int.TryParse(first, out int start))
            ephemeralStart = start;
        return ephemeralStart > 12_000 ? (10_000, ephemeralStart) : (40_000, 65_000);
    }

    private static bool Bindable(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
