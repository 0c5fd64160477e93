using AprOrleans.Countdown.Tokenization;
using AprOrleans.Trainer.Weights;

namespace AprOrleans.Tests.Service;

/// <summary>Weight versions outside the shared cluster: a restarted cluster, and a single silo with memory storage.</summary>
public sealed class WeightRecoveryTests
{
    private static readonly List<int> Context =
        CountdownTokenizer.Default.Encode("Moving to Node #0\nCurrent State: 10:[6, 2, 8], Operations: []", addBos: true);

    /// <summary>
    /// A variant whose LM head swaps the shipped model's first greedy token for this context with another token, so
    /// it decodes differently whatever the shipped checkpoint has learned.
    /// </summary>
    private static async Task<string> VariantThatChangesTheFirstTokenAsync(float valueScale)
    {
        int first = (await WeightCalls.ReferenceAsync(WeightVariants.Shipped, Context)).Tokens[0];
        return WeightVariants.Write(swapA: first, swapB: first == 12 ? 13 : 12, valueScale);
    }

    [Fact]
    public async Task A_restarted_cluster_serves_the_registrys_current_version_not_the_configured_checkpoint()
    {
        var serviceId = "svc-" + Guid.NewGuid().ToString("N")[..12];
        var variant = await VariantThatChangesTheFirstTokenAsync(valueScale: 1.3f);
        try
        {
            await using (var first = await TestCluster.StartAsync(["silo-a"], serviceId, withEngine: false, checkpoint: WeightVariants.Shipped))
            {
                await WeightPublisher.PublishAsync(first["silo-a"].Channel.CreateCallInvoker(), TestCluster.AdminToken, 1, WeightVariants.Blob(variant));
                await WeightCalls.WaitServingAsync(first["silo-a"].Channel, 1, batchers: 1);
            }

            // A new cluster of the same service: its batcher activates on the shipped checkpoint, then loads version 1.
            await using var second = await TestCluster.StartAsync(["silo-a"], serviceId, withEngine: false, checkpoint: WeightVariants.Shipped);
            var now = await WeightCalls.DecodeAsync(second, "silo-a", Context);
            Assert.All(now.WeightVersions, v => Assert.Equal(1L, v));
            var expected = (await WeightCalls.ReferenceAsync(variant, Context)).Tokens;
            // Guards the check: the variant must decode differently from the shipped weights, or serving the wrong ones would pass.
            Assert.NotEqual((await WeightCalls.ReferenceAsync(WeightVariants.Shipped, Context)).Tokens, expected);
            Assert.Equal(expected, now.Tokens);
            Assert.Equal(1, await WeightCalls.CurrentVersionAsync(second["silo-a"].Channel));
        }
        finally
        {
            WeightVariants.Delete(variant);
        }
    }

    [Fact]
    public async Task With_memory_storage_a_published_version_is_stored_in_a_local_directory_and_served()
    {
        var variant = await VariantThatChangesTheFirstTokenAsync(valueScale: 0.7f);
        try
        {
            await using var cluster = await TestCluster.StartAsync(["solo"], withEngine: false, storage: "memory", checkpoint: WeightVariants.Shipped);
            var channel = cluster["solo"].Channel;
            Assert.Equal(0, await WeightCalls.CurrentVersionAsync(channel));
            var reply = await WeightPublisher.PublishAsync(channel.CreateCallInvoker(), TestCluster.AdminToken, 3, WeightVariants.Blob(variant));
            Assert.Equal(3, reply.Version.Version);
            await WeightCalls.WaitServingAsync(channel, 3, batchers: 1);

            var now = await WeightCalls.DecodeAsync(cluster, "solo", Context);
            Assert.All(now.WeightVersions, v => Assert.Equal(3L, v));
            var expected = (await WeightCalls.ReferenceAsync(variant, Context)).Tokens;
            Assert.NotEqual((await WeightCalls.ReferenceAsync(WeightVariants.Shipped, Context)).Tokens, expected);
            Assert.Equal(expected, now.Tokens);
        }
        finally
        {
            WeightVariants.Delete(variant);
        }
    }
}
