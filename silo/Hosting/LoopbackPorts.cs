using System.Net;
using System.Net.Sockets;

namespace AprOrleans.Silo.Hosting;

/// <summary>The four ports of a silo on loopback: Orleans silo-to-silo, Orleans gateway, gRPC, HTTP health.</summary>
public sealed record LoopbackPorts(int Silo, int Gateway, int Grpc, int Http)
{
    /// <summary>
    /// Four ports the OS reports free right now. They are released before the silo binds them, so another process
    /// could take one meanwhile; for tests and benchmarks on one machine that is rare enough.
    /// </summary>
    public static LoopbackPorts Free()
    {
        var listeners = Enumerable.Range(0, 4).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return new LoopbackPorts(ports[0], ports[1], ports[2], ports[3]);
    }
}
