using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using AprOrleans.Silo.Hosting;

namespace AprOrleans.Tests.Service;

/// <summary>
/// Mutual TLS between silos: silos holding the cluster certificate form a cluster; a process holding another
/// certificate, or none, cannot complete a connection to the silo port.
/// </summary>
public sealed class SiloTlsTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("apr-silo-tls-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task Silos_with_the_cluster_certificate_join_and_no_other_certificate_gets_a_connection()
    {
        var (certificate, key) = SelfSignedCertificates.Write(_folder.FullName, "cluster", "CN=apr-cluster");
        await using var cluster = await TestCluster.StartAsync(["silo-a", "silo-b"], storage: "postgres",
            extra: new Dictionary<string, string?> { ["Apr:SiloTlsCertificate"] = certificate, ["Apr:SiloTlsKey"] = key });
        // Both silos are active members (StartAsync waited for it) and a solve crosses the cluster.
        Assert.True((await cluster["silo-b"].Solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline())).Correct);

        int port = cluster["silo-a"].SiloPort;
        Assert.True(await HandshakeSucceedsAsync(port, ClusterCertificate.Load(certificate, key)), "the cluster certificate must be accepted");
        var (otherCertificate, otherKey) = SelfSignedCertificates.Write(_folder.FullName, "intruder", "CN=apr-intruder");
        Assert.False(await HandshakeSucceedsAsync(port, ClusterCertificate.Load(otherCertificate, otherKey)), "another certificate must be refused");
        Assert.False(await HandshakeSucceedsAsync(port, clientCertificate: null), "a client without a certificate must be refused");
    }

    [Fact]
    public void A_certificate_without_its_key_or_a_missing_file_is_a_configuration_error()
    {
        var settings = new SiloSettings { SiloName = "silo-a", ConnectionString = "Host=x", Devices = ["cpu:0"], SiloTlsCertificate = "/x.crt" };
        Assert.StartsWith("Apr:SiloTlsCertificate and Apr:SiloTlsKey go together", settings.Validate());
        var missing = Assert.Throws<SiloConfigurationException>(() => ClusterCertificate.Load("/nonexistent/tls.crt", "/nonexistent/tls.key"));
        Assert.Equal("Apr:SiloTlsCertificate '/nonexistent/tls.crt' does not exist", missing.Message);
    }

    /// <summary>
    /// A TLS handshake with the silo port, then a read: a refused client certificate fails the handshake or ends the
    /// connection at the first read; an accepted one keeps it open.
    /// </summary>
    private static async Task<bool> HandshakeSucceedsAsync(int port, X509Certificate2? clientCertificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "apr-silo",
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            // A refused peer is disconnected right after the handshake (TLS 1.3 checks the client's certificate after the
            // client has finished): the read ends. An accepted one stays open, waiting for Orleans' connection preamble.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                return await tls.ReadAsync(new byte[64], wait.Token) > 0;
            }
            catch (OperationCanceledException)
            {
                return true;
            }
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
        {
            return false;
        }
    }
}
