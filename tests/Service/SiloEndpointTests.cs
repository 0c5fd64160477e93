using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using AprOrleans.Silo.Hosting;
using AprOrleans.Tests.Service.Experiments;

namespace AprOrleans.Tests.Service;

/// <summary>
/// The ports of the real silo process on PostgreSQL clustering: the silo-to-silo port (and the gateway, where one is
/// configured) listen on the advertised address only, so no other interface reaches the grains around the admin
/// token; by default there is no gateway at all, and the process listens on its three ports and nothing else.
/// </summary>
public class SiloEndpointTests
{
    [Fact]
    public async Task By_default_the_silo_listens_on_its_silo_grpc_and_http_ports_only()
    {
        var settings = SiloProcess.Settings("endpoints-" + Guid.NewGuid().ToString("N")[..8], RepositoryPaths.ShippedCheckpoint, adminToken: null);
        Assert.Equal(0, new SiloSettings().GatewayPort);
        using var silo = await SiloProcess.StartAsync(settings);
        var ports = ListeningSockets.Of(silo.ProcessId).Select(l => l.Port).ToHashSet();
        Assert.Equal(new HashSet<int> { Port(settings, "Silo"), Port(settings, "Grpc"), Port(settings, "Http") }, ports);
    }

    [Fact]
    public async Task Orleans_ports_listen_on_the_advertised_address_only()
    {
        var settings = SiloProcess.Settings("endpoints-" + Guid.NewGuid().ToString("N")[..8], RepositoryPaths.ShippedCheckpoint, adminToken: null);
        settings["Apr__GatewayPort"] = $"{LoopbackPorts.Free().Silo}";
        using var silo = await SiloProcess.StartAsync(settings);
        var listeners = ListeningSockets.Of(silo.ProcessId);
        foreach (var port in new[] { Port(settings, "Silo"), Port(settings, "Gateway") })
        {
            Assert.Equal([IPAddress.Loopback], listeners.Where(l => l.Port == port).Select(l => l.Address));
            // Where the machine has another interface, a connection through it is refused.
            foreach (var outside in NonLoopbackAddresses())
            {
                using var client = new TcpClient(outside.AddressFamily);
                var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(outside, port));
                Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
            }
        }
    }

    private static int Port(Dictionary<string, string> settings, string which) => int.Parse(settings[$"Apr__{which}Port"]);

    private static IEnumerable<IPAddress> NonLoopbackAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
