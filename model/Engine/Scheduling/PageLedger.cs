namespace AprOrleans.Model.Engine.Scheduling;

/// <summary>
/// The paged KV cache's pages as the scheduler counts them, without the cache: each slot holds the pages its cached
/// tokens fill (pages of <see cref="PageSize"/> tokens, the last one partly), and the pool has <see cref="TotalPages"/>.
/// The executor's cache holds the same numbers between forwards, since every change to a slot's length reaches it
/// either as a cut in the plan or as the tokens a forward appends.
/// </summary>
public sealed class PageLedger
{
    private readonly int[] _lengths;

    public PageLedger(int slots, int totalPages, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalPages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        _lengths = new int[slots];
        TotalPages = totalPages;
        PageSize = pageSize;
    }

    /// <summary>Pages a pool of <paramref name="tokens"/> KV tokens has, as the paged cache rounds it.</summary>
    public static int PagesOf(int tokens, int pageSize) => (tokens + pageSize - 1) / pageSize;

    public int TotalPages { get; }
    public int PageSize { get; }
    public int InUse { get; private set; }
    public int Free => TotalPages - InUse;

    /// <summary>Tokens cached for <paramref name="slot"/>.</summary>
    public int Length(int slot) => _lengths[slot];

    /// <summary>Pages <paramref name="tokens"/> tokens fill.</summary>
    public int PagesFor(int tokens) => PagesOf(tokens, PageSize);

    /// <summary>Pages a slot needs to grow to <paramref name="tokens"/> tokens that it does not hold yet.</summary>
    public int Needed(int slot, int tokens) => Math.Max(0, PagesFor(tokens) - PagesFor(_lengths[slot]));

    /// <summary>Records that <paramref name="slot"/> now caches <paramref name="tokens"/> tokens.</summary>
    public void SetLength(int slot, int tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        InUse += PagesFor(tokens) - PagesFor(_lengths[slot]);
        _lengths[slot] = tokens;
    }
}
