namespace AprOrleans.Model.Inference;

/// <summary>
/// A cache the decode engine runs on: besides a forward's reads and writes, it cuts slots back (the scheduler's cuts)
/// and counts its memory in the pages that the scheduler's ledger counts, so the two can be checked against each other.
/// </summary>
public interface IEngineKvCache : IKvCache, IDisposable
{
    /// <summary>Cuts a slot back to its first <paramref name="length"/> tokens (0 empties it).</summary>
    void Truncate(int slot, int length);

    /// <summary>Pages of KV memory the cache has.</summary>
    int TotalPages { get; }

    /// <summary>Pages held by some sequence.</summary>
    int UsedPages { get; }
}
