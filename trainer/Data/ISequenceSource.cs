namespace AprOrleans.Trainer.Data;

/// <summary>
/// Training sequences (token ids, with &lt;bos&gt; and &lt;eos&gt;) in numbered pools. A pool is a pure function of
/// the source's settings and its index, which is what makes a data position — (pool, batch within the pool) —
/// enough to resume exactly.
/// </summary>
public interface ISequenceSource
{
    /// <summary>Human-readable origin, for the log and the checkpoint.</summary>
    string Description { get; }

    /// <summary>The sequences of pool <paramref name="index"/> (0, 1, 2, … without end; files cycle through epochs).</summary>
    IReadOnlyList<int[]> Pool(long index);

    /// <summary>A fixed held-out set for validation loss (may be empty).</summary>
    IReadOnlyList<int[]> Validation { get; }

    /// <summary>Sequences left out because they exceed the model's context, so far.</summary>
    long SkippedTooLong { get; }
}
