namespace AprOrleans.Model.Engine;

/// <summary>How the engine's KV cache lays out sequences.</summary>
public enum KvLayout
{
    /// <summary>
    /// Pages claimed as a sequence grows (<see cref="Inference.PagedKvCache"/>): memory proportional to tokens held. A
    /// CPU float32 decode step attends over the pages in place; elsewhere each step gathers them into a padded copy.
    /// </summary>
    Paged,

    /// <summary>
    /// One contiguous region per slot, in tiers of capacities (<see cref="Inference.KvCache"/>), reserved when a sequence
    /// is admitted for its prompt plus its token budget: attention reads runs of consecutive slots as views, no copy.
    /// </summary>
    Regions,
}
