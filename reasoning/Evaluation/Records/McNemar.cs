namespace AprOrleans.Reasoning.Evaluation.Records;

/// <summary>
/// McNemar's exact test for two models scored on the same problems: only the discordant problems (one right, the
/// other wrong) carry evidence, and under "no difference" each is equally likely to go either way, so the two-sided
/// p-value is the binomial tail of the smaller count, doubled (at most 1).
/// </summary>
public static class McNemar
{
    public sealed record Result(int BothRight, int OnlyFirst, int OnlySecond, int BothWrong, double PValue);

    public static Result Test(IReadOnlyList<bool> first, IReadOnlyList<bool> second)
    {
        if (first.Count != second.Count) throw new ArgumentException($"paired outcomes differ in count: {first.Count} vs {second.Count}");
        int both = 0, onlyFirst = 0, onlySecond = 0, neither = 0;
        for (int i = 0; i < first.Count; i++)
        {
            if (first[i] && second[i]) both++;
            else if (first[i]) onlyFirst++;
            else if (second[i]) onlySecond++;
            else neither++;
        }
        return new Result(both, onlyFirst, onlySecond, neither, ExactPValue(onlyFirst, onlySecond));
    }

    /// <summary>2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), capped at 1; 1 when there is no discordant pair.</summary>
    public static double ExactPValue(int b, int c)
    {
        int n = b + c;
        if (n == 0) return 1;
        int k = Math.Min(b, c);
        // Sum in log space: C(n, i) / 2^n underflows doubles for a few thousand pairs.
        double logHalfPowN = -n * Math.Log(2);
        double tail = 0, logChoose = 0; // log C(n, 0)
        for (int i = 0; i <= k; i++)
        {
            if (i > 0) logChoose += Math.Log(n - i + 1) - Math.Log(i);
            tail += Math.Exp(logChoose + logHalfPowN);
        }
        return Math.Min(1, 2 * tail);
    }
}
