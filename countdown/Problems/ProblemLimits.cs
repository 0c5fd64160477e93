namespace AprOrleans.Countdown.Problems;

/// <summary>
/// What the system accepts as a problem. Wider than the paper's sampling distribution
/// (numbers 1–99, targets 10–100) so hand-written problems work, but bounded so that
/// no request can ask for unbounded work or overflow.
/// </summary>
public static class ProblemLimits
{
    public const int MinCount = 2;
    public const int MaxCount = 6;
    public const int MinNumber = 1;
    public const int MaxNumber = 100;
    public const int MinTarget = 1;
    public const int MaxTarget = 1000;

    /// <summary>Null when acceptable, else (field, message).</summary>
    public static (string Field, string Message)? Check(IReadOnlyList<int> nums, int target)
    {
        if (nums.Count < MinCount || nums.Count > MaxCount)
            return ("nums", $"expected {MinCount} to {MaxCount} numbers, got {nums.Count}");
        for (int i = 0; i < nums.Count; i++)
        {
            if (nums[i] < MinNumber || nums[i] > MaxNumber)
                return ($"nums[{i}]", $"{nums[i]} is outside {MinNumber}..{MaxNumber}");
        }
        if (target < MinTarget || target > MaxTarget)
            return ("target", $"{target} is outside {MinTarget}..{MaxTarget}");
        return null;
    }
}
