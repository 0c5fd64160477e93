namespace AprOrleans.Reasoning.Evaluation.Records;

/// <summary>
/// The sweeps' statistics, computed from recorded samples alone:
/// <list type="bullet">
/// <item>cons@n: the majority answer of a problem's first n samples is right (ties go to the answer that came
/// first; samples without an answer do not vote; none answering is a miss). cons@1 is plain accuracy.</item>
/// <item>pass@n: any of the first n samples is right.</item>
/// <item>The context-window rule (the paper's Fig. 4b): a sample counts only if its longest thread fits the
/// window; one that does not is treated as giving no answer.</item>
/// </list>
/// Compute is summed over the samples used: n samples cost n trees' tokens. Generated tokens (TotalTokens) are this
/// project's count; the paper counts whole sequences (SequenceTokens) and calls the longest one "sequential".
/// </summary>
public static class RunStatistics
{
    public static double ConsAt(RecordedRun run, int n, int? window = null) =>
        Share(run, p => MajorityIsRight(First(p, n, run), window));

    /// <summary>Problem by problem, whether cons@n is right (for a single-sample run, whether its one sample is): what a paired test compares.</summary>
    public static IReadOnlyList<bool> ConsCorrect(RecordedRun run, int n) =>
        [.. run.Problems.Select(p => MajorityIsRight(First(p, n, run), null))];

    public static double PassAt(RecordedRun run, int n, int? window = null) =>
        Share(run, p => First(p, n, run).Any(s => s.Correct && Fits(s, window)));

    /// <summary>The accuracy of a single-sample run under the paper's released check (operation lines only).</summary>
    public static double PaperCheckAccuracy(RecordedRun run) => Share(run, p => p.Samples[0].CorrectByPaperCheck);

    public static double MeanTotalTokens(RecordedRun run, int n = 1) =>
        run.Problems.Average(p => (double)First(p, n, run).Sum(s => s.TotalTokens));

    /// <summary>The paper's total tokens: every thread's whole sequence, summed over the first n samples.</summary>
    public static double MeanSequenceTokens(RecordedRun run, int n = 1) =>
        run.Problems.Average(p => (double)First(p, n, run).Sum(s => s.SequenceTokens));

    public static double MeanSequentialTokens(RecordedRun run, int n = 1) =>
        run.Problems.Average(p => (double)First(p, n, run).Max(s => s.SequentialTokens));

    public static double MeanLatencyMs(RecordedRun run, int n = 1) =>
        run.Problems.Average(p => First(p, n, run).Max(s => s.LatencyMs));

    public static double MeanLongestThread(RecordedRun run) => run.Problems.Average(p => (double)p.Samples[0].LongestThreadTokens);

    public static int MaxLongestThread(RecordedRun run) => run.Problems.Max(p => p.Samples.Max(s => s.LongestThreadTokens));

    /// <summary>Mean children per spawn over every spawn of the first sample of each problem (0 when none spawned).</summary>
    public static double MeanChildrenPerSpawn(RecordedRun run)
    {
        var spawns = run.Problems.SelectMany(p => p.Samples[0].ChildrenPerSpawn).ToList();
        return spawns.Count == 0 ? 0 : spawns.Average();
    }

    public static bool Fits(SampleRecord sample, int? window) => window is not { } w || sample.LongestThreadTokens <= w;

    private static bool MajorityIsRight(IReadOnlyList<SampleRecord> samples, int? window)
    {
        var voters = samples.Where(s => s.AnswerKey is not null && Fits(s, window)).ToList();
        if (voters.Count == 0) return false;
        var winner = voters
            .Select((s, order) => (s, order))
            .GroupBy(v => v.s.AnswerKey)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Min(v => v.order))
            .First();
        return winner.First().s.Correct;
    }

    private static IReadOnlyList<SampleRecord> First(ProblemRecord problem, int n, RecordedRun run)
    {
        if (n < 1 || n > run.Header.Samples)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"{run.Path} has {run.Header.Samples} samples per problem");
        return n == problem.Samples.Count ? problem.Samples : [.. problem.Samples.Take(n)];
    }

    private static double Share(RecordedRun run, Func<ProblemRecord, bool> counts) =>
        run.Problems.Count == 0 ? 0 : run.Problems.Count(counts) / (double)run.Problems.Count;
}
