namespace AprOrleans.Countdown.Problems;

/// <summary>A Countdown problem: reach <see cref="Target"/> using each of <see cref="Nums"/> exactly once.</summary>
public sealed record Problem(IReadOnlyList<int> Nums, int Target)
{
    /// <summary>The dedup key of DESIGN §3: sorted numbers and target.</summary>
    public string Key => $"{string.Join(',', Nums.Order())}:{Target}";

    public override string ToString() => $"{Target} from [{string.Join(", ", Nums)}]";

    public bool Equals(Problem? other) =>
        other is not null && Target == other.Target && Nums.SequenceEqual(other.Nums);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Target);
        foreach (var n in Nums) hash.Add(n);
        return hash.ToHashCode();
    }
}
