namespace AprOrleans.Countdown.Problems;

/// <summary>
/// Exhaustive check: can the numbers reach the target with the allowed operations (+, *, -, and exact /,
/// each on a pair with the larger operand first)? Allocation-free: the generator calls it for every sample.
/// </summary>
public static class Solvability
{
    public static bool IsSolvable(IReadOnlyList<int> nums, int target)
    {
        if (nums.Count > 8) throw new ArgumentException("at most 8 numbers", nameof(nums));
        Span<long> values = stackalloc long[nums.Count];
        for (int i = 0; i < nums.Count; i++) values[i] = nums[i];
        return Reach(values, target);
    }

    private static bool Reach(Span<long> nums, long target)
    {
        if (nums.Length == 1) return nums[0] == target;
        Span<long> next = stackalloc long[nums.Length - 1];
        for (int i = 0; i < nums.Length; i++)
        {
            for (int j = i + 1; j < nums.Length; j++)
            {
                int k = 0;
                for (int m = 0; m < nums.Length; m++)
                {
                    if (m != i && m != j) next[k++] = nums[m];
                }
                long hi = Math.Max(nums[i], nums[j]), lo = Math.Min(nums[i], nums[j]);
                next[k] = hi + lo;
                if (Reach(next, target)) return true;
                next[k] = hi * lo;
                if (next[k] <= int.MaxValue && Reach(next, target)) return true;
                next[k] = hi - lo;
                if (Reach(next, target)) return true;
                if (lo != 0 && hi % lo == 0)
                {
                    next[k] = hi / lo;
                    if (Reach(next, target)) return true;
                }
            }
        }
        return false;
    }
}
