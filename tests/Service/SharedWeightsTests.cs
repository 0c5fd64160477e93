using AprOrleans.Api;
using AprOrleans.Storage.Weights;
using AprOrleans.Trainer.Weights;
using Grpc.Core;

namespace AprOrleans.Tests.Service;

/// <summary>Two silos on PostgreSQL running the real engine on the shipped checkpoint, sharing one weights directory.</summary>
public sealed class SharedWeightsClusterFixture : IAsyncLifetime
{
    internal TestCluster Cluster { get; private set; } = null!;
    public string Shared { get; } = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"apr-shared-weights-{Guid.NewGuid():N}")).FullName;

    public async Task InitializeAsync() =>
        Cluster = await TestCluster.StartAsync(["silo-a", "silo-b"], withEngine: false, checkpoint: WeightVariants.Shipped, sharedWeights: Shared);

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
        Directory.Delete(Shared, recursive: true);
    }
}

/// <summary>
/// Weights.PublishShared (issue 6): a blob put into the shared directory's outbox reaches every batcher of both silos
/// without its bytes going through gRPC or PostgreSQL, and every refusal puts the publisher's file back untouched.
/// </summary>
public sealed class SharedWeightsTests(SharedWeightsClusterFixture fixture) : IClassFixture<SharedWeightsClusterFixture>
{
    private const int Batchers = 2;
    private TestCluster Cluster => fixture.Cluster;
    private Grpc.Net.Client.GrpcChannel Channel => Cluster["silo-a"].Channel;
    private string Outbox => Path.Combine(fixture.Shared, SharedWeightDirectory.Outbox);

    private Task<long> SettledVersionAsync() => WeightCalls.SettledVersionAsync(Channel, Batchers);

    /// <summary>Copies <paramref name="blob"/> into the outbox as <paramref name="name"/> (what a publisher would do).</summary>
    private string PutInOutbox(string blob, string name)
    {
        Directory.CreateDirectory(Outbox);
        var path = Path.Combine(Outbox, name);
        File.Copy(blob, path);
        return path;
    }

    [Fact]
    public async Task A_blob_published_through_the_shared_directory_reaches_every_batcher_and_never_enters_PostgreSQL()
    {
        long before = await SettledVersionAsync();
        var context = WeightCalls.RootContext(24, 4, 9, 3);
        var old = await WeightCalls.DecodeAsync(Cluster, "silo-b", context);
        int first = old.Tokens[0], other = first == 60 ? 61 : 60;
        var variant = WeightVariants.Write(swapA: first, swapB: other, valueScale: 1.3f);
        try
        {
            var blob = WeightVariants.Blob(variant);
            var sha256 = await WeightFileDigest.Sha256HexAsync(blob);
            // Left by a publisher that died mid-call two hours ago: the next successful publish removes it.
            var abandoned = PutInOutbox(blob, SharedWeightDirectory.NewOutboxName(before + 1, DateTime.UtcNow.AddHours(-2)));
            var reply = await WeightPublisher.PublishSharedAsync(Channel.CreateCallInvoker(), TestCluster.AdminToken, before + 1, blob, fixture.Shared);
            Assert.False(reply.Unchanged);
            Assert.Equal(before + 1, reply.Version.Version);
            Assert.Equal(sha256, reply.Version.Sha256);

            // The silo took the outbox entry into the shared store; the publisher's own file is whole and unchanged.
            Assert.False(File.Exists(abandoned));
            Assert.Empty(Directory.EnumerateFiles(Outbox));
            Assert.True(File.Exists(Path.Combine(fixture.Shared, SharedWeightDirectory.Store, $"v{before + 1}-{sha256}.safetensors")));
            Assert.Equal(sha256, await WeightFileDigest.Sha256HexAsync(blob));
            Assert.Equal(0L, await WeightCalls.StoredChunksAsync(Cluster.ServiceId, before + 1));

            await WeightCalls.WaitServingAsync(Cluster["silo-b"].Channel, before + 1, Batchers);
            var expected = await WeightCalls.ReferenceAsync(variant, context);
            Assert.NotEqual(old.Tokens, expected.Tokens);
            foreach (var silo in new[] { "silo-a", "silo-b" })
            {
                var now = await WeightCalls.DecodeAsync(Cluster, silo, context);
                Assert.Equal(expected.Tokens, now.Tokens);
                Assert.All(now.WeightVersions, v => Assert.Equal(before + 1, v));
            }

            var again = await WeightPublisher.PublishSharedAsync(Cluster["silo-b"].Channel.CreateCallInvoker(), TestCluster.AdminToken, before + 1, blob, fixture.Shared);
            Assert.True(again.Unchanged);
        }
        finally
        {
            WeightVariants.Delete(variant);
        }
    }

    [Fact]
    public async Task Every_refusal_changes_nothing_and_puts_the_publishers_file_back()
    {
        long before = await SettledVersionAsync();
        var variant = WeightVariants.Write(swapA: 70, swapB: 71, valueScale: 0.7f);
        var wrongShape = WeightVariants.WriteWrongShape();
        try
        {
            var data = await File.ReadAllBytesAsync(WeightVariants.Blob(variant));
            var header = WeightCalls.Header(before + 1, data);
            var file = $"refused-{Guid.NewGuid():N}.safetensors";
            var path = PutInOutbox(WeightVariants.Blob(variant), file);

            var noToken = await Assert.ThrowsAsync<RpcException>(() => WeightCalls.PublishSharedRawAsync(Channel, header, file, token: null));
            Assert.Equal(StatusCode.PermissionDenied, noToken.StatusCode);

            var badSha = header.Clone();
            badSha.Sha256 = WeightCalls.Header(before + 1, [.. data, 0]).Sha256;
            await AssertRefusedAsync(badSha, file, "header.sha256");
            var badSize = header.Clone();
            badSize.SizeBytes = data.Length - 1;
            await AssertRefusedAsync(badSize, file, "header.size_bytes");
            Assert.Equal(data, await File.ReadAllBytesAsync(path));

            foreach (var name in new[] { "../escape.safetensors", "sub/x.safetensors", ".hidden.safetensors", "weights.bin", $"{file}\n", $"absent-{Guid.NewGuid():N}.safetensors" })
                await AssertRefusedAsync(header, name, "field 'file'");

            var shapeData = await File.ReadAllBytesAsync(wrongShape);
            var shapeFile = Path.GetFileName(PutInOutbox(wrongShape, $"shape-{Guid.NewGuid():N}.safetensors"));
            await AssertRefusedAsync(WeightCalls.Header(before + 1, shapeData), shapeFile, "lm_head.weight");
            Assert.True(File.Exists(Path.Combine(Outbox, shapeFile)));

            var link = $"link-{Guid.NewGuid():N}.safetensors";
            File.CreateSymbolicLink(Path.Combine(Outbox, link), path);
            await AssertRefusedAsync(header, link, "symbolic link");
            Assert.NotNull(new FileInfo(Path.Combine(Outbox, link)).LinkTarget);

            Assert.Equal(before, await WeightCalls.CurrentVersionAsync(Channel));
            var serving = await WeightCalls.Client(Channel).ListServingAsync(new ListServingRequest());
            Assert.All(serving.Batchers, b => Assert.Equal(before, b.Version));
            Assert.False(File.Exists(Path.Combine(fixture.Shared, SharedWeightDirectory.Store, $"v{before + 1}-{header.Sha256}.safetensors")));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(fixture.Shared, SharedWeightDirectory.Incoming), "*", SearchOption.AllDirectories));

            // An outbox/ that is itself a link could lead anywhere: refused before anything moves.
            var realOutbox = Outbox + "-real";
            Directory.Move(Outbox, realOutbox);
            try
            {
                Directory.CreateSymbolicLink(Outbox, realOutbox);
                var linked = await Assert.ThrowsAsync<RpcException>(() => WeightCalls.PublishSharedRawAsync(Channel, header, file));
                Assert.Equal(StatusCode.FailedPrecondition, linked.StatusCode);
                Assert.Contains("symbolic link", linked.Status.Detail);
                Assert.True(File.Exists(Path.Combine(realOutbox, file)));
            }
            finally
            {
                Directory.Delete(Outbox);
                Directory.Move(realOutbox, Outbox);
            }

            foreach (var leftover in new[] { file, shapeFile, link }) File.Delete(Path.Combine(Outbox, leftover));
        }
        finally
        {
            WeightVariants.Delete(variant);
            WeightVariants.Delete(wrongShape);
        }
    }

    private async Task AssertRefusedAsync(WeightHeader header, string file, string named)
    {
        var refused = await Assert.ThrowsAsync<RpcException>(() => WeightCalls.PublishSharedRawAsync(Channel, header, file));
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains(named, refused.Status.Detail);
    }
}
