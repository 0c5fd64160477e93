using AprOrleans.Model.Engine;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Tests.Engine;

/// <summary>
/// A cancelled request leaves the engine: running ones are dropped from the batch at the next step (slot and KV pages
/// freed), queued ones never start, and the engine is back to idle and serves the next request as before.
/// </summary>
public class DecodeCancellationTests
{
    private const int NeverEnds = -1; // no end-of-sequence token: a request runs to its token limit

    [Fact]
    public async Task Cancelled_requests_free_their_slots_and_pages_and_the_engine_returns_to_idle()
    {
        using var engine = new DecodeEngine(EngineFixture.Network(), NeverEnds,
            new EngineOptions { Slots = 2, ContextTokens = 256, MaxPrefillTokens = 1024, MinPrefixReuse = 4 });
        var cancellations = Enumerable.Range(0, 4).Select(_ => new CancellationTokenSource()).ToList();
        var decodes = cancellations.Select((c, i) =>
            engine.DecodeAsync(new DecodeRequest(EngineFixture.Prompt(100 + i, 10), 240, new HashSet<int>(), SamplingSettings.Greedy), c.Token)).ToList();

        // Two run (the engine has two slots), two wait in the queue.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (engine.Stats is not { RunningSequences: 2, QueuedRequests: 2 } && DateTime.UtcNow < deadline) await Task.Delay(1);
        Assert.Equal((2, 2), (engine.Stats.RunningSequences, engine.Stats.QueuedRequests));
        Assert.Equal(2, engine.Stats.SlotsInUse);
        foreach (var c in cancellations) c.Cancel();

        foreach (var decode in decodes) await Assert.ThrowsAnyAsync<OperationCanceledException>(() => decode);
        while (engine.Stats is not { RunningSequences: 0, QueuedRequests: 0, SlotsInUse: 0, KvPagesInUse: 0 } && DateTime.UtcNow < deadline) await Task.Delay(5);
        var idle = engine.Stats;
        Assert.Equal((0, 0, 0, 0), (idle.RunningSequences, idle.QueuedRequests, idle.SlotsInUse, idle.KvPagesInUse));

        var after = await engine.DecodeAsync(new DecodeRequest(EngineFixture.Prompt(7, 10), 20, new HashSet<int>(), SamplingSettings.Greedy));
        Assert.Equal(20, after.Tokens.Count);
    }
}
