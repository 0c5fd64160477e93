using AprOrleans.Api;
using AprOrleans.Model.Checkpoints;
using AprOrleans.Storage.Weights;
using AprOrleans.Trainer.Weights;
using Grpc.Core;

namespace AprOrleans.Tests.Service;

/// <summary>Two silos on PostgreSQL running the real engine on the shipped checkpoint, shared by the weight tests.</summary>
public sealed class RealEngineClusterFixture : IAsyncLifetime
{
    internal TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Cluster = await TestCluster.StartAsync(["silo-a", "silo-b"], withEngine: false, checkpoint: WeightVariants.Shipped);

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

/// <summary>
/// Weights.Publish and the broadcast to every batcher (issue 6): refusals change nothing, a published version reaches
/// every batcher of both silos, and nothing cached under the old weights is reused after the switch.
/// </summary>
public sealed class WeightsTests(RealEngineClusterFixture fixture) : IClassFixture<RealEngineClusterFixture>
{
    private const int Batchers = 2;
    private TestCluster Cluster => fixture.Cluster;
    private Grpc.Net.Client.GrpcChannel Channel => Cluster["silo-a"].Channel;

    private static List<int> RootContext(int target, params int[] numbers) => WeightCalls.RootContext(target, numbers);

    /// <summary>The version every batcher serves once earlier tests' publishes have arrived.</summary>
    private Task<long> SettledVersionAsync() => WeightCalls.SettledVersionAsync(Channel, Batchers);

    private Task<long> StoredChunksAsync(long version) => WeightCalls.StoredChunksAsync(Cluster.ServiceId, version);

    [Fact]
    public async Task Reflection_lists_the_weights_service()
    {
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(Channel);
        using var call = reflection.ServerReflectionInfo(SolveEndToEndTests.Deadline());
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Contains("apr.v1.Weights", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
    }

    [Fact]
    public async Task Publish_without_the_token_or_with_a_wrong_one_is_permission_denied()
    {
        long before = await SettledVersionAsync();
        var data = File.ReadAllBytes(WeightVariants.Blob(WeightVariants.Shipped));

        var none = await Assert.ThrowsAsync<RpcException>(() => WeightCalls.PublishRawAsync(Channel, WeightCalls.Header(before + 1, data), data, token: null));
        Assert.Equal(StatusCode.PermissionDenied, none.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => WeightCalls.PublishRawAsync(Channel, WeightCalls.Header(before + 1, data), data, token: "not-the-token"));
        Assert.Equal(StatusCode.PermissionDenied, wrong.StatusCode);
        Assert.Contains("admin token is wrong", wrong.Status.Detail);
        var publisher = await Assert.ThrowsAsync<RpcException>(() =>
            WeightPublisher.PublishAsync(Cluster["silo-b"].Channel.CreateCallInvoker(), "not-the-token", before + 1, WeightVariants.Blob(WeightVariants.Shipped)));
        Assert.Equal(StatusCode.PermissionDenied, publisher.StatusCode);

        Assert.Equal(before, await WeightCalls.CurrentVersionAsync(Channel));
    }

    [Fact]
    public async Task PublishShared_on_silos_without_a_shared_directory_is_a_failed_precondition()
    {
        long before = await SettledVersionAsync();
        var data = File.ReadAllBytes(WeightVariants.Blob(WeightVariants.Shipped));
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            WeightCalls.PublishSharedRawAsync(Channel, WeightCalls.Header(before + 1, data), "v1.safetensors"));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("Apr:SharedWeightsDirectory", refused.Status.Detail);
        Assert.Equal(before, await WeightCalls.CurrentVersionAsync(Channel));
    }

    [Fact]
    public async Task A_blob_whose_sha256_does_not_match_is_refused_and_the_old_version_keeps_serving()
    {
        long before = await SettledVersionAsync();
        var variant = WeightVariants.Write(swapA: 10, swapB: 11, valueScale: 1.1f);
        try
        {
            var data = File.ReadAllBytes(WeightVariants.Blob(variant));
            var header = WeightCalls.Header(before + 1, data);
            header.Sha256 = WeightCalls.Header(before + 1, [.. data, 0]).Sha256;

            var refused = await Assert.ThrowsAsync<RpcException>(() => WeightCalls.PublishRawAsync(Channel, header, data));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("header.sha256", refused.Status.Detail);

            var truncated = await Assert.ThrowsAsync<RpcException>(() => WeightCalls.PublishRawAsync(Channel, WeightCalls.Header(before + 1, data), data[..^1]));
            Assert.Equal(StatusCode.InvalidArgument, truncated.StatusCode);
            Assert.Contains("header.size_bytes", truncated.Status.Detail);

            Assert.Equal(before, await WeightCalls.CurrentVersionAsync(Channel));
            // The store received the bytes while they arrived; the refusal rolled all of them back.
            Assert.Equal(0L, await StoredChunksAsync(before + 1));
            var serving = await WeightCalls.Client(Channel).ListServingAsync(new ListServingRequest());
            Assert.Equal(before, serving.CurrentVersion);
            Assert.Equal(Batchers, serving.Batchers.Count);
            Assert.All(serving.Batchers, b => Assert.Equal(before, b.Version));

            var solve = await Cluster["silo-b"].Solver.SolveAsync(new SolveRequest
            {
                Numbers = { 4, 9, 3 }, Target = 24, Mode = Mode.Apr,
                Limits = new Limits { MaxTokensPerThread = 100 }, Sampling = new Sampling { Temperature = 0 },
            }, SolveEndToEndTests.Deadline());
            Assert.True(solve.Totals.GeneratedTokens >= 1);
        }
        finally
        {
            WeightVariants.Delete(variant);
        }
    }

    [Fact]
    public async Task A_blob_whose_tensors_do_not_fit_the_served_model_is_refused()
    {
        long before = await SettledVersionAsync();
        var wrongShape = WeightVariants.WriteWrongShape();
        try
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() =>
                WeightPublisher.PublishAsync(Channel.CreateCallInvoker(), TestCluster.AdminToken, before + 1, wrongShape));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("lm_head.weight", refused.Status.Detail);

            var notSafetensors = "not a safetensors file"u8.ToArray();
            var garbage = await Assert.ThrowsAsync<RpcException>(() =>
                WeightCalls.PublishRawAsync(Channel, WeightCalls.Header(before + 1, notSafetensors), notSafetensors));
            Assert.Equal(StatusCode.InvalidArgument, garbage.StatusCode);
            Assert.Contains("field 'data'", garbage.Status.Detail);

            Assert.Equal(before, await WeightCalls.CurrentVersionAsync(Channel));
        }
        finally
        {
            WeightVariants.Delete(wrongShape);
        }
    }

    [Fact]
    public async Task A_published_version_reaches_every_batcher_on_both_silos_and_greedy_output_follows_it()
    {
        long before = await SettledVersionAsync();
        var context = RootContext(24, 4, 9, 3);
        var old = await WeightCalls.DecodeAsync(Cluster, "silo-a", context);
        Assert.All(old.WeightVersions, v => Assert.Equal(before, v));
        // Swap the LM head rows of the first greedy token and another one: the new model must answer differently.
        int first = old.Tokens[0], other = first == 40 ? 41 : 40;
        var variant = WeightVariants.Write(swapA: first, swapB: other, valueScale: 1.2f);
        try
        {
            var reply = await WeightPublisher.PublishAsync(Channel.CreateCallInvoker(), TestCluster.AdminToken, before + 1, WeightVariants.Blob(variant));
            Assert.False(reply.Unchanged);
            Assert.Equal(before + 1, reply.Version.Version);
            Assert.Equal(await WeightFileDigest.Sha256HexAsync(WeightVariants.Blob(variant)), reply.Version.Sha256);

            Assert.True(await StoredChunksAsync(before + 1) > 0);
            var serving = await WeightCalls.WaitServingAsync(Cluster["silo-b"].Channel, before + 1, Batchers);
            Assert.Equal(["silo-a/cpu:0", "silo-b/cpu:0"], serving.Batchers.Select(b => b.Batcher).Order());
            Assert.Equal(before + 1, serving.CurrentVersion);

            var expected = await WeightCalls.ReferenceAsync(variant, context);
            Assert.NotEqual(old.Tokens, expected.Tokens);
            foreach (var silo in new[] { "silo-a", "silo-b" })
            {
                var now = await WeightCalls.DecodeAsync(Cluster, silo, context);
                Assert.Equal(expected.Tokens, now.Tokens);
                Assert.All(now.WeightVersions, v => Assert.Equal(before + 1, v));
            }
        }
        finally
        {
            WeightVariants.Delete(variant);
        }
    }

    [Fact]
    public async Task A_bf16_blob_is_half_the_bytes_and_every_batcher_serves_exactly_its_weights()
    {
        long before = await SettledVersionAsync();
        var context = RootContext(24, 4, 9, 3);
        var old = await WeightCalls.DecodeAsync(Cluster, "silo-a", context);
        int first = old.Tokens[0], other = first == 50 ? 51 : 50;
        var variant = WeightVariants.WriteBf16(swapA: first, swapB: other, valueScale: 1.1f);
        try
        {
            var blob = WeightVariants.Bf16Blob(variant);
            Assert.InRange(new FileInfo(blob).Length, 1, new FileInfo(WeightVariants.Blob(variant)).Length * 6 / 10);
            var reply = await WeightPublisher.PublishAsync(Channel.CreateCallInvoker(), TestCluster.AdminToken, before + 1, blob,
                knownSha256: WeightsDigest.TryRead(blob));
            Assert.Equal(before + 1, reply.Version.Version);
            await WeightCalls.WaitServingAsync(Channel, before + 1, Batchers);

            // The reference holds the same weights in fp32 (rounded to bf16 first): the silos' fp32 engines loading
            // the bf16 blob must decode exactly like it.
            var expected = await WeightCalls.ReferenceAsync(variant, context);
            Assert.NotEqual(old.Tokens, expected.Tokens);
            foreach (var silo in new[] { "silo-a", "silo-b" })
            {
                var now = await WeightCalls.DecodeAsync(Cluster, silo, context);
                Assert.All(now.WeightVersions, v => Assert.Equal(before + 1, v));
                Assert.Equal(expected.Tokens, now.Tokens);
                for (int i = 0; i < now.LogProbs.Length; i++) Assert.Equal(expected.LogProbs[i], now.LogProbs[i], 1e-4f);
            }
        }
        finally
        {
            WeightVariants.Delete(variant);
        }
    }

    [Fact]
    public async Task After_the_switch_no_request_reuses_a_prefix_cached_under_the_old_version()
    {
        long before = await SettledVersionAsync();
        var root = RootContext(17, 2, 5, 7);
        // Each batcher decodes the root and parks it; the continuation below starts with exactly the parked tokens.
        var continuations = new Dictionary<string, List<int>>();
        foreach (var silo in new[] { "silo-a", "silo-b" })
        {
            var parked = await WeightCalls.DecodeAsync(Cluster, silo, root);
            continuations[silo] = [.. root, .. parked.Tokens];
        }
        var oldAnswer = await WeightCalls.DecodeAsync(Cluster, "silo-a", continuations["silo-a"]);
        var variant = WeightVariants.Write(swapA: 20, swapB: 21, valueScale: 1.5f);
        try
        {
            await WeightPublisher.PublishAsync(Channel.CreateCallInvoker(), TestCluster.AdminToken, before + 1, WeightVariants.Blob(variant));
            await WeightCalls.WaitServingAsync(Channel, before + 1, Batchers);

            foreach (var silo in new[] { "silo-a", "silo-b" })
            {
                var expected = await WeightCalls.ReferenceAsync(variant, continuations[silo]);
                var now = await WeightCalls.DecodeAsync(Cluster, silo, continuations[silo]);
                Assert.All(now.WeightVersions, v => Assert.Equal(before + 1, v));
                // Keys and values cached under the old weights would give other log-probs than a fresh engine's.
                Assert.Equal(expected.Tokens, now.Tokens);
                Assert.Equal(expected.LogProbs.Count, now.LogProbs.Length);
                for (int i = 0; i < now.LogProbs.Length; i++) Assert.Equal(expected.LogProbs[i], now.LogProbs[i], 1e-4f);
            }
            // The check has teeth: under the old weights this context decodes to other log-probs.
            var fresh = await WeightCalls.ReferenceAsync(variant, continuations["silo-a"]);
            Assert.Contains(Enumerable.Range(0, Math.Min(fresh.LogProbs.Count, oldAnswer.LogProbs.Length)),
                i => Math.Abs(fresh.LogProbs[i] - oldAnswer.LogProbs[i]) > 1e-3);
        }
        finally
        {
            WeightVariants.Delete(variant);
        }
    }

    [Fact]
    public async Task Republishing_the_same_version_and_blob_is_a_no_op_and_other_stale_versions_are_refused()
    {
        long before = await SettledVersionAsync();
        var variant = WeightVariants.Write(swapA: 30, swapB: 31, valueScale: 0.9f);
        var other = WeightVariants.Write(swapA: 32, swapB: 33, valueScale: 0.8f);
        try
        {
            // Versions need only increase: skipping one is allowed, and leaves a lower unpublished one to refuse.
            long version = before + 2;
            var blob = WeightVariants.Blob(variant);
            var first = await WeightPublisher.PublishAsync(Channel.CreateCallInvoker(), TestCluster.AdminToken, version, blob);
            Assert.False(first.Unchanged);

            var again = await WeightPublisher.PublishAsync(Channel.CreateCallInvoker(), TestCluster.AdminToken, version, blob);
            Assert.True(again.Unchanged);
            Assert.Equal(first.Version, again.Version);
            // The silo's own no-op path (a publisher that uploads anyway).
            var data = File.ReadAllBytes(blob);
            var raw = await WeightCalls.PublishRawAsync(Cluster["silo-b"].Channel, WeightCalls.Header(version, data), data);
            Assert.True(raw.Unchanged);
            Assert.Equal(first.Version, raw.Version);

            var sameVersionOtherBlob = await Assert.ThrowsAsync<RpcException>(() =>
                WeightPublisher.PublishAsync(Channel.CreateCallInvoker(), TestCluster.AdminToken, version, WeightVariants.Blob(other)));
            Assert.Equal(StatusCode.FailedPrecondition, sameVersionOtherBlob.StatusCode);
            Assert.Contains("header.version", sameVersionOtherBlob.Status.Detail);
            var lower = await Assert.ThrowsAsync<RpcException>(() =>
                WeightPublisher.PublishAsync(Channel.CreateCallInvoker(), TestCluster.AdminToken, before + 1, WeightVariants.Blob(other)));
            Assert.Equal(StatusCode.FailedPrecondition, lower.StatusCode);

            Assert.Equal(first.Version, await WeightCalls.Client(Channel).GetCurrentAsync(new GetCurrentWeightsRequest()));
            await WeightCalls.WaitServingAsync(Channel, version, Batchers);
        }
        finally
        {
            WeightVariants.Delete(variant);
            WeightVariants.Delete(other);
        }
    }
}
