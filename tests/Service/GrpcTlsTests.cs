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
        var (certificatePath, keyPath) = SelfSignedCertificates.Write(_folder.FullName, "grpc", "CN=127.0.0.1");
        using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);

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
