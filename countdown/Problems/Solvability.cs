using AprOrleans.Countdown.Arithmetic;

namespace AprOrleans.Countdown.Problems;

/// <summary>Exhaustive check: can the numbers reach the target with the allowed operations?</summary>
public static class Solvability
{
    public static bool IsSolvable(IReadOnlyList<int> nums, int target) => Reach(nums.ToArray(), target);

    private static bool Reach(int[] nums, int target)
    {
        if (nums.Length == 1) return nums[0] == target;
        var next = new int[nums.Length - 1];
        for (int i = 0; i < nums.Length; i++)
        {
            for (int j = i + 1; j < nums.Length; j++)
            {
                int k = 0;
                for (int m = 0; m < nums.Length; m++)
                {
                    if (m != i && m != j) next[k++] = nums[m];
                }
                foreach (var op in Operation.AllOn(nums[i], nums[j]))
                {
                    next[k] = op.Result;
                    if (Reach((int[])next.Clone(), target)) return true;
                }
            }
        }
        return false;
    }
}
