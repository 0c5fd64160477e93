namespace AprOrleans.Model.Engine.Scheduling;

/// <summary>
/// Cache slots of finished sequences, kept so a later request that starts with the same tokens (a parent resumed
/// after a join starts with its pre-spawn tokens) skips recomputing them. Entries belong to one weight version
/// and are dropped when the version changes; the least recently parked one is evicted when a slot is needed.
/// </summary>
internal sealed class PrefixCache
{
    private readonly LinkedList<(int Slot, int[] Tokens)> _entries = new();

    public int Count => _entries.Count;

    /// <summary>Each parked slot with the tokens its cache holds, oldest first.</summary>
    public IEnumerable<(int Slot, int Tokens)> Entries => _entries.Select(e => (e.Slot, e.Tokens.Length));

    public void Park(int slot, int[] tokens) => _entries.AddLast((slot, tokens));

    /// <summary>
    /// Takes the entry sharing the longest prefix with <paramref name="context"/>, if at least <paramref name="minimum"/>
    /// tokens, among the slots that are <paramref name="usable"/> (big enough for the request).
    /// </summary>
    public (int Slot, int Shared)? TakeLongestPrefix(IReadOnlyList<int> context, int minimum, Func<int, bool> usable)
    {
        LinkedListNode<(int Slot, int[] Tokens)>? best = null;
        int bestShared = 0;
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            if (!usable(node.Value.Slot)) continue;
            int shared = SharedPrefix(node.Value.Tokens, context);
            if (shared > bestShared) (best, bestShared) = (node, shared);
        }
        if (best is null || bestShared < minimum) return null;
        _entries.Remove(best);
        return (best.Value.Slot, bestShared);
    }

    /// <summary>Frees the oldest entry's slot; null when nothing is parked.</summary>
    public int? EvictOldest() => EvictOldest(_ => true);

    /// <summary>Frees the slot of the oldest entry whose slot is <paramref name="usable"/>; null when none is parked.</summary>
    public int? EvictOldest(Func<int, bool> usable)
    {
        for (var node = _entries.First; node is not null; node = node.Next)
        {
            if (!usable(node.Value.Slot)) continue;
            _entries.Remove(node);
            return node.Value.Slot;
        }
        return null;
    }

    /// <summary>Drops every entry (weights changed: their keys/values are stale); returns the freed slots.</summary>
    public List<int> Clear()
    {
        var slots = _entries.Select(e => e.Slot).ToList();
        _entries.Clear();
        return slots;
    }

    private static int SharedPrefix(int[] cached, IReadOnlyList<int> context)
    {
        int n = Math.Min(cached.Length, context.Count);
        int i = 0;
        while (i < n && cached[i] == context[i]) i++;
        return i;
    }
}
