using AprOrleans.Interfaces.Batching;

namespace AprOrleans.Tests.Service;

[Collection(TwoSiloCollection.Name)]
public class PlacementTests(TwoSiloFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData("silo-a", "silo-a")]
    [InlineData("silo-a", "silo-b")]
    [InlineData("silo-b", "silo-a")]
    [InlineData("silo-b", "silo-b")]
    public async Task A_batcher_lands_on_the_silo_its_key_names_whoever_calls(string caller, string named)
    {
        var batcher = Cluster[caller].Grains.GetGrain<IBatchingGrain>($"{named}/cpu:0");
        var info = await batcher.Describe();
        Assert.Equal(named, info.HostSiloName);
        Assert.Equal($"{named}/cpu:0", info.Key);
    }

    [Fact]
    public async Task An_unknown_silo_name_gives_the_caller_an_error_naming_it()
    {
        var batcher = Cluster["silo-a"].Grains.GetGrain<IBatchingGrain>("silo-x/cpu:0");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => batcher.Describe());
        Assert.Contains("no active silo named 'silo-x'", error.Message);
        Assert.Contains("silo-a, silo-b", error.Message);
    }

    [Fact]
    public async Task A_device_the_silo_does_not_have_is_refused_with_its_name()
    {
        var batcher = Cluster["silo-b"].Grains.GetGrain<IBatchingGrain>("silo-a/cuda:7");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => batcher.Describe());
        Assert.Contains("device 'cuda:7' is not configured on silo 'silo-a'", error.Message);
    }

    [Fact]
    public async Task A_batcher_serves_decodes_through_its_silos_decoder()
    {
        var batcher = Cluster["silo-a"].Grains.GetGrain<IBatchingGrain>("silo-b/cpu:0");
        var before = (await batcher.Describe()).DecodeCalls;
        var context = AprOrleans.Countdown.Tokenization.CountdownTokenizer.Default.Encode(
            "Moving to Node #0,1\nCurrent State: 27:[26, 31, 31], Operations: ['53-22=31']", addBos: true);
        var reply = await batcher.Decode(new DecodeCall([.. context], 500, [], new SamplingWire(0, 0, 1, 0)));
        Assert.Equal(DecodeStopWire.EndOfSequence, reply.Stop);
        Assert.Equal(reply.Tokens.Length, reply.LogProbs.Length);
        Assert.Equal(before + 1, (await batcher.Describe()).DecodeCalls);
    }
}
