using AprOrleans.Api;
using AprOrleans.Interfaces.Admin;
using AprOrleans.Interfaces.Batching;
using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Runtime;
using AprOrleans.Trainer.Weights;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Tests.Service;

/// <summary>Calls the weight tests make: raw Publish streams (to send what a well-behaved publisher would not), waits and decodes.</summary>
internal static class WeightCalls
{
    public static Api.Weights.WeightsClient Client(GrpcChannel channel) => new(channel);

    /// <summary>A Publish stream with exactly this header and data, with the admin token unless <paramref name="token"/> says otherwise.</summary>
    public static async Task<PublishReply> PublishRawAsync(GrpcChannel channel, WeightHeader header, byte[] data, string? token = TestCluster.AdminToken)
    {
        using var call = Client(channel).Publish(Admin(token), deadline: DateTime.UtcNow.AddMinutes(2));
        try
        {
            await call.RequestStream.WriteAsync(new WeightChunk { Header = header });
            for (int at = 0; at < data.Length; at += 1 << 20)
                await call.RequestStream.WriteAsync(new WeightChunk { Data = ByteString.CopyFrom(data, at, Math.Min(1 << 20, data.Length - at)) });
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The silo refused early; its status comes with the response.
        }
        return await call.ResponseAsync;
    }

    /// <summary>A PublishShared call with exactly this header and outbox file name, with the admin token unless <paramref name="token"/> says otherwise.</summary>
    public static Task<PublishReply> PublishSharedRawAsync(GrpcChannel channel, WeightHeader header, string file, string? token = TestCluster.AdminToken) =>
        Client(channel).PublishSharedAsync(new PublishSharedRequest { Header = header, File = file }, Admin(token)).ResponseAsync;

    /// <summary>The call metadata carrying <paramref name="token"/> as the admin bearer token (none when null).</summary>
    private static Metadata Admin(string? token) => token is null ? [] : new Metadata { { AdminMetadata.Header, AdminMetadata.Scheme + token } };

    /// <summary>The version every one of <paramref name="batchers"/> batchers serves once earlier tests' publishes have arrived.</summary>
    public static async Task<long> SettledVersionAsync(GrpcChannel channel, int batchers)
    {
        long current = await CurrentVersionAsync(channel);
        await WaitServingAsync(channel, current, batchers);
        return current;
    }

    public static WeightHeader Header(long version, byte[] data) => new()
    {
        Version = version,
        Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)),
        SizeBytes = data.Length,
    };

    /// <summary>Waits (the library's ListServing poll, a generous limit: no timing assertion) until <paramref name="batchers"/> batchers all serve exactly <paramref name="version"/>.</summary>
    public static async Task<ServingReply> WaitServingAsync(GrpcChannel channel, long version, int batchers)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var serving = await WeightPublisher.WaitUntilServedAsync(channel.CreateCallInvoker(), version, batchers, cancellationToken: limit.Token);
        Assert.Equal(batchers, serving.Batchers.Count);
        Assert.All(serving.Batchers, b => Assert.Equal(version, b.Version));
        return serving;
    }

    /// <summary>The tokens of a Countdown root thread's prompt, a context to decode greedily.</summary>
    public static List<int> RootContext(int target, params int[] numbers) =>
        AprOrleans.Countdown.Tokenization.CountdownTokenizer.Default.Encode(
            $"Moving to Node #0\nCurrent State: {target}:[{string.Join(", ", numbers)}], Operations: []", addBos: true);

    /// <summary>How many chunks of <paramref name="version"/>'s blob PostgreSQL holds for the service.</summary>
    public static async Task<long> StoredChunksAsync(string serviceId, long version)
    {
        await using var connection = new Npgsql.NpgsqlConnection(TestPostgres.ConnectionString);
        await connection.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM apr_weight_blobs WHERE service_id = @service AND version = @version", connection);
        count.Parameters.AddWithValue("service", serviceId);
        count.Parameters.AddWithValue("version", version);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    public static async Task<long> CurrentVersionAsync(GrpcChannel channel) =>
        (await Client(channel).GetCurrentAsync(new GetCurrentWeightsRequest())).Version;

    /// <summary>A greedy continuation of <paramref name="context"/> by one batcher of the cluster.</summary>
    public static Task<DecodeReply> DecodeAsync(TestCluster cluster, string silo, IReadOnlyList<int> context, int tokens = 16) =>
        cluster[silo].Grains.GetGrain<IBatchingGrain>($"{silo}/cpu:0").Decode(new DecodeCall([.. context], tokens, [], new SamplingWire(0, 0, 1, 0)));

    /// <summary>The same greedy continuation by a fresh engine on <paramref name="checkpoint"/> (nothing cached).</summary>
    public static async Task<DecodeResult> ReferenceAsync(string checkpoint, IReadOnlyList<int> context, int tokens = 16)
    {
        using var local = LocalModel.Load(checkpoint, "cpu", new EngineOptions { Slots = 4, ContextTokens = 4096, MaxPrefillTokens = 8192 });
        return await local.Engine.DecodeAsync(new DecodeRequest(context, tokens, new HashSet<int>(), SamplingSettings.Greedy));
    }
}
