using AprOrleans.Countdown.Arithmetic;

namespace AprOrleans.Countdown.Problems;

/// <summary>
/// Exhaustive check: can the numbers reach the target with the allowed operations (+, *, -, and exact /,
/// each on a pair with the larger operand first)? Allocation-free: the generator calls it for every sample.
/// </summary>
public static class Solvability
{
    public static bool IsSolvable(IReadOnlyList<int> nums, int target) => IsSolvable(nums, target, without: null);

    /// <summary>
    /// True when the problem has solutions and every one of them uses <paramref name="symbol"/> at least once
    /// (e.g. '/': the problems a model can only solve by dividing).
    /// </summary>
    public static bool EverySolutionUses(IReadOnlyList<int> nums, int target, char symbol)
    {
        if (Array.IndexOf(Operation.Symbols, symbol) < 0) throw new ArgumentException($"'{symbol}' is not one of + * - /", nameof(symbol));
        return IsSolvable(nums, target) && !IsSolvable(nums, target, without: symbol);
    }

    private static bool IsSolvable(IReadOnlyList<int> nums, int target, char? without)
    {
        if (nums.Count > 8) throw new ArgumentException("at most 8 numbers", nameof(nums));
        Span<long> values = stackalloc long[nums.Count];
        for (int i = 0; i < nums.Count; i++) values[i] = nums[i];
        return Reach(values, target, without);
    }

    private static bool Reach(Span<long> nums, long target, char? without)
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
                if (without != '+' && Reach(next, target, without)) return true;
                next[k] = hi * lo;
                if (without != '*' && next[k] <= int.MaxValue && Reach(next, target, without)) return true;
                next[k] = hi - lo;
                if (without != '-' && Reach(next, target, without)) return true;
                if (without != '/' && lo != 0 && hi % lo == 0)
                {
                    next[k] = hi / lo;
                    if (Reach(next, target, without)) return true;
                }
            }
        }
        return false;
    }
}
