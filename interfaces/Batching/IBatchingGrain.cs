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
    /// queue it behind a full batch, so this call may take longer than Orleans' default 30 s timeout. Cancelling
    /// <paramref name="cancellationToken"/> (Orleans carries it to the batcher) takes the sequence out of the engine's
    /// queue or batch and frees its slot and KV pages.
    /// </summary>
    [Alias("decode"), ResponseTimeout("00:10:00")]
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
