namespace AprOrleans.Bench;

/// <summary>
/// How much longer the service path's solves take than the engine's, over the solves both paths completed (the same
/// (client, round) pairs, hence the same problems): mean, p50 and p99 of those matched latencies, and how many of the
/// matched solves generated a different number of tokens on the two paths (a near-tie in greedy decoding can flip
/// under another batch composition; many would mean the paths did not do the same work).
/// </summary>
internal sealed record LatencyRatios(double Mean, double P50, double P99, int Matched, int DifferentWork)
{
    public static LatencyRatios Of(LoadResult service, LoadResult direct)
    {
        var common = service.ByCall.Keys.Where(direct.ByCall.ContainsKey).ToList();
        var s = new LoadResult(common.ToDictionary(k => k, k => service.ByCall[k]), service.TokensByCall, 0, new());
        var d = new LoadResult(common.ToDictionary(k => k, k => direct.ByCall[k]), direct.TokensByCall, 0, new());
        int different = common.Count(k => service.TokensByCall[k] != direct.TokensByCall[k]);
        return new(s.Mean / d.Mean - 1, s.Percentile(0.50) / d.Percentile(0.50) - 1, s.Percentile(0.99) / d.Percentile(0.99) - 1, common.Count, different);
    }

    public static LatencyRatios Median(IReadOnlyList<LatencyRatios> all)
    {
        static double Mid(IEnumerable<double> xs) => Statistics.Median(xs);
        return new(Mid(all.Select(r => r.Mean)), Mid(all.Select(r => r.P50)), Mid(all.Select(r => r.P99)), (int)Mid(all.Select(r => (double)r.Matched)),
            (int)Mid(all.Select(r => (double)r.DifferentWork)));
    }

    public override string ToString() =>
        $"mean {Mean:+0.0%;-0.0%}, p50 {P50:+0.0%;-0.0%}, p99 {P99:+0.0%;-0.0%} over {Matched} matched solves ({DifferentWork} of them with other token counts)";
}
