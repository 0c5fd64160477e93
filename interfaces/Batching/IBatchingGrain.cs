namespace AprOrleans.Interfaces.Batching;

/// <summary>
/// One per device per silo (key <see cref="BatcherKey"/>), pinned to the silo its key names. It owns the
/// device's decoder (the batched engine) and serves decode requests from every solve on that silo.
/// </summary>
[Alias("apr.IBatchingGrain")]
public interface IBatchingGrain : IGrainWithStringKey
{
    /// <summary>
    /// Continues one token context. A request is bounded by its token limit, but under load the engine may
    /// queue it behind full batches: a GRPO step fans out into hundreds of child threads for a few dozen slots, and
    /// on a busy CPU a decode's queue wait alone has passed 10 minutes. The timeout is therefore long: the batcher
    /// always runs on its caller's silo (LocalBatchers), so it hides no dead silo and only bounds a hung engine.
    /// Cancelling <paramref name="cancellationToken"/> (Orleans carries it to the batcher; the silo also cancels a
    /// call that timed out) takes the sequence out of the engine's queue or batch and frees its slot and KV pages.
    /// </summary>
    [Alias("decode"), ResponseTimeout("02:00:00")]
    Task<DecodeReply> Decode(DecodeCall call, CancellationToken cancellationToken = default);

    /// <summary>Where the batcher runs and what it has served (no decoding; used by tests and operators).</summary>
    [Alias("describe")]
    Task<BatcherInfo> Describe();

    /// <summary>
    /// Switches the batcher to weight version <paramref name="version"/>, read from <paramref name="localPath"/> (a
    /// safetensors file on this silo's disk), between engine steps. Returns the version served afterwards; a version
    /// not above the served one changes nothing. Loading a large model takes a while, hence the long timeout.
    /// </summary>
    [Alias("update-weights"), ResponseTimeout("00:10:00")]
    Task<long> UpdateWeights(long version, string localPath);
}
