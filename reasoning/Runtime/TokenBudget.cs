namespace AprOrleans.Reasoning.Runtime;

/// <summary>
/// The tree's shared token budget. Concurrent threads reserve what a request may generate and hand back
/// what it did not use, so the tree never generates more than its limit.
/// </summary>
public sealed class TokenBudget(int total)
{
    private int _remaining = total;

    public int Remaining => Volatile.Read(ref _remaining);

    /// <summary>Reserves up to <paramref name="wanted"/> tokens; returns how many were granted (0 when spent).</summary>
    public int Reserve(int wanted)
    {
        while (true)
        {
            int current = Volatile.Read(ref _remaining);
            int granted = Math.Min(current, wanted);
            if (granted <= 0) return 0;
            if (Interlocked.CompareExchange(ref _remaining, current - granted, current) == current) return granted;
        }
    }

    public void Release(int unused)
    {
        if (unused > 0) Interlocked.Add(ref _remaining, unused);
    }
}
