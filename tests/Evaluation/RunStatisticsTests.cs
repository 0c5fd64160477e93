using AprOrleans.Reasoning.Evaluation.Records;
using static AprOrleans.Tests.Evaluation.RecordedRuns;

namespace AprOrleans.Tests.Evaluation;

/// <summary>The report's statistics on hand-built outcomes, where the right answer is known by construction.</summary>
public class RunStatisticsTests
{
    [Fact]
    public void Cons_at_n_takes_the_majority_of_the_first_n_samples_and_ties_go_to_the_earlier_answer()
    {
        // wrong A, then right B twice: one sample says A; two tie 1–1 and A came first; three make B the majority.
        var run = Run("r", [[Sample("A", false), Sample("B", true), Sample("B", true)]], mode: "sc");
        Assert.Equal(0, RunStatistics.ConsAt(run, 1));
        Assert.Equal(0, RunStatistics.ConsAt(run, 2));
        Assert.Equal(1, RunStatistics.ConsAt(run, 3));
    }

    [Fact]
    public void Samples_without_an_answer_do_not_vote_and_a_problem_nobody_answers_is_a_miss()
    {
        var run = Run("r", [
            [Sample(null, false), Sample(null, false), Sample("B", true)],
            [Sample(null, false), Sample(null, false), Sample(null, false)],
        ], mode: "sc");
        Assert.Equal(0.5, RunStatistics.ConsAt(run, 3));
        Assert.Equal(0, RunStatistics.ConsAt(run, 2));
    }

    [Fact]
    public void Pass_at_n_is_any_of_the_first_n_samples_right()
    {
        var run = Run("r", [
            [Sample("A", false), Sample("B", true), Sample("C", false)],
            [Sample("A", false), Sample("A", false), Sample("A", false)],
        ], mode: "sc");
        Assert.Equal(0, RunStatistics.PassAt(run, 1));
        Assert.Equal(0.5, RunStatistics.PassAt(run, 2));
        Assert.Equal(0.5, RunStatistics.PassAt(run, 3));
        // A majority can be wrong while one sample is right: pass@3 > cons@3 here.
        Assert.Equal(0, RunStatistics.ConsAt(run, 3));
    }

    [Fact]
    public void A_sample_counts_only_if_its_longest_thread_fits_the_window()
    {
        var run = Run("r", [
            [Sample("A", true, longest: 300)],
            [Sample("A", true, longest: 120)],
            [Sample("B", false, longest: 50)],
        ]);
        Assert.Equal(2 / 3.0, RunStatistics.ConsAt(run, 1), 12);
        Assert.Equal(2 / 3.0, RunStatistics.ConsAt(run, 1, window: 300), 12);
        Assert.Equal(1 / 3.0, RunStatistics.ConsAt(run, 1, window: 299), 12);
        Assert.Equal(0, RunStatistics.ConsAt(run, 1, window: 119));
    }

    [Fact]
    public void A_sample_outside_the_window_loses_its_vote()
    {
        // The right answer only comes from a sample too long for the window; the short wrong one wins there.
        var run = Run("r", [[Sample("A", true, longest: 500), Sample("A", true, longest: 500), Sample("B", false, longest: 90)]], mode: "sc");
        Assert.Equal(1, RunStatistics.ConsAt(run, 3));
        Assert.Equal(0, RunStatistics.ConsAt(run, 3, window: 200));
        Assert.Equal(0, RunStatistics.PassAt(run, 3, window: 200));
    }

    [Fact]
    public void Compute_sums_the_samples_used()
    {
        var run = Run("r", [
            [Sample("A", true, total: 100), Sample("A", true, total: 50)],
            [Sample("A", true, total: 300), Sample("A", true, total: 10)],
        ], mode: "sc");
        Assert.Equal(200, RunStatistics.MeanTotalTokens(run, 1));
        Assert.Equal(230, RunStatistics.MeanTotalTokens(run, 2));
    }

    [Fact]
    public void Asking_for_more_samples_than_were_drawn_is_an_error()
    {
        var run = Run("r", [[Sample("A", true)]]);
        Assert.Throws<ArgumentOutOfRangeException>(() => RunStatistics.ConsAt(run, 2));
    }

    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(5, 0, 0.0625)]              // 2 · (1/2)^5
    [InlineData(0, 5, 0.0625)]
    [InlineData(3, 10, 2 * 378 / 8192.0)]   // 2 · (C(13,0)+C(13,1)+C(13,2)+C(13,3)) / 2^13
    [InlineData(7, 7, 1.0)]
    public void McNemar_exact_p_value(int onlyFirst, int onlySecond, double expected) =>
        Assert.Equal(expected, McNemar.ExactPValue(onlyFirst, onlySecond), 12);

    [Fact]
    public void McNemar_counts_the_four_cells_and_stays_finite_for_many_pairs()
    {
        var t = McNemar.Test([true, true, false, false, true], [true, false, true, false, false]);
        Assert.Equal((1, 2, 1, 1), (t.BothRight, t.OnlyFirst, t.OnlySecond, t.BothWrong));
        double p = McNemar.ExactPValue(2000, 1900);
        Assert.InRange(p, 0.05, 0.2); // z ≈ 1.6: no underflow to 0 or NaN with thousands of pairs
    }
}
