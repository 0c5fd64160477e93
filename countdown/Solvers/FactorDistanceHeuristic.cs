namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// The SoS/APR search heuristic: for each number, its distance to the nearest factor of the target,
/// summed. Lower is better; a state holding only the target scores 0.
/// </summary>
public sealed class FactorDistanceHeuristic
{
    private readonly int[] _factors;

    public FactorDistanceHeuristic(int target)
    {
        var factors = new List<int>();
        for (int f = 1; f <= Math.Max(1, target); f++)
        {
            if (target > 0 && target % f == 0) factors.Add(f);
        }
        if (factors.Count == 0) factors.Add(0);
        _factors = [.. factors];
    }

    public int Score(IEnumerable<int> nums)
    {
        int total = 0;
        foreach (var n in nums)
        {
            int best = int.MaxValue;
            foreach (var f in _factors)
            {
                int d = Math.Abs(n - f);
                if (d < best) best = d;
            }
            total += best;
        }
        return total;
    }
}
