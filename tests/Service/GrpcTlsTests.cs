using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AprOrleans.Api;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Tests.Service;

/// <summary>With a certificate configured, the gRPC port speaks TLS: an https client that trusts it solves, a cleartext one fails.</summary>
public sealed class GrpcTlsTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("apr-grpc-tls-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task The_grpc_port_serves_tls_with_the_configured_certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificatePath = Path.Combine(_folder.FullName, "grpc.crt");
        var keyPath = Path.Combine(_folder.FullName, "grpc.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());

        await using var cluster = await TestCluster.StartAsync(["silo-a"], storage: "memory",
            extra: new Dictionary<string, string?> { ["Apr:GrpcTlsCertificate"] = certificatePath, ["Apr:GrpcTlsKey"] = keyPath });
        int port = cluster["silo-a"].GrpcPort;
        X509Certificate2? presented = null;
        var trusting = new SocketsHttpHandler();
        trusting.SslOptions.RemoteCertificateValidationCallback = (_, remote, _, _) =>
        {
            presented = remote is null ? null : new X509Certificate2(remote);
            return presented?.RawData.AsSpan().SequenceEqual(certificate.RawData) == true;
        };
        using var secure = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = trusting });
        Assert.True((await new Solver.SolverClient(secure).SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline())).Correct);
        Assert.NotNull(presented);

        using var cleartext = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var refused = await Assert.ThrowsAsync<RpcException>(() => new Solver.SolverClient(cleartext).SolveAsync(SolveEndToEndTests.ValidRequest(),
            new CallOptions(deadline: DateTime.UtcNow.AddSeconds(20))).ResponseAsync);
        Assert.NotEqual(StatusCode.OK, refused.StatusCode);
    }
}
