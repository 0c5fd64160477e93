using AprOrleans.Model;
using AprOrleans.Reasoning.Rl;
using AprOrleans.Tests.Model;
using AprOrleans.Trainer.Grpo;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Training;

/// <summary>
/// A parent thread's segments chained into one row (the spawn call as a tail) must train exactly as the segments
/// would one row each: same per-token log-probs, loss, KL and gradients.
/// </summary>
public class GrpoRowTests
{
    private const int Vocab = 50;

    /// <summary>
    /// A tree as the runtime records it: the parent's first segment (search, then a spawn call), its second segment
    /// decoded from the first's context and tokens up to the spawn call plus a join block, and one child.
    /// <paramref name="joinRepeatsCall"/> starts the join block with the spawn call's first token, so the shared
    /// prefix runs one token past the cut.
    /// </summary>
    private static Trajectory ParentAndChild(int seed, double reward, bool joinRepeatsCall = false)
    {
        var random = new Random(seed);
        int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(3, Vocab))];
        TrajectorySegment Segment(int[] context, int[] generated) =>
            new(context, generated, [.. generated.Select(_ => -1.5f - (float)random.NextDouble())], new long[generated.Length]);
        int[] prompt = Tokens(5), search = Tokens(6), call = Tokens(3), join = Tokens(4), after = Tokens(5);
        if (joinRepeatsCall) join[0] = call[0];
        return new Trajectory([
            Segment(prompt, [.. search, .. call]),
            Segment([.. prompt, .. search, .. join], after),
            Segment(Tokens(4), Tokens(6)),
        ], reward);
    }

    /// <summary>A parent that spawns twice: three segments, each continuing the one before after its join.</summary>
    private static Trajectory TwoSpawns(int seed, double reward)
    {
        var random = new Random(seed);
        int[] Tokens(int n) => [.. Enumerable.Range(0, n).Select(_ => random.Next(3, Vocab))];
        TrajectorySegment Segment(int[] context, int[] generated) =>
            new(context, generated, [.. generated.Select(_ => -1.5f - (float)random.NextDouble())], new long[generated.Length]);
        int[] prompt = Tokens(4), search1 = Tokens(5), call1 = Tokens(2), join1 = Tokens(3), search2 = Tokens(4), call2 = Tokens(3), join2 = Tokens(2), after = Tokens(4);
        return new Trajectory([
            Segment(prompt, [.. search1, .. call1]),
            Segment([.. prompt, .. search1, .. join1], [.. search2, .. call2]),
            Segment([.. prompt, .. search1, .. join1, .. search2, .. join2], after),
        ], reward);
    }

    private static List<WeightedTrajectory> Kept() =>
        [new(ParentAndChild(1, 1), 0.8), new(ParentAndChild(2, 0, joinRepeatsCall: true), -0.8), new(ParentAndChild(3, 1), 0.8), new(TwoSpawns(4, 0), -0.8)];

    /// <summary>Every segment a row of its own, as before chaining.</summary>
    private static List<GrpoRow> OneRowPerSegment(IEnumerable<WeightedTrajectory> kept) =>
        [.. kept.SelectMany(t => t.Trajectory.Segments.Select(s => new GrpoRow([s], t.Advantage, t.Trajectory.Segments.Count)))];

    [Fact]
    public void A_parents_segments_share_one_row_with_the_spawn_call_as_a_tail()
    {
        var rows = GrpoRow.Of([new WeightedTrajectory(ParentAndChild(1, 1), 1)]).ToList();
        Assert.Equal([2, 1], rows.Select(r => r.Segments.Count));
        var parent = rows[0];
        Assert.Equal([11], parent.BranchPoints);     // prompt 5 + search 6: where the join block begins
        Assert.Equal(3, parent.TailLength(0));       // the spawn call
        Assert.Equal(5 + 6 + 4 + 5 - 1, parent.MainWidth);
        Assert.Equal(parent.MainWidth + 3, parent.Width);
        Assert.True(parent.Width < OneRowPerSegment([new WeightedTrajectory(ParentAndChild(1, 1), 1)]).Take(2).Sum(r => r.Width));
        // A join block that repeats the call's first token moves the branch point one token on.
        var repeated = GrpoRow.Of([new WeightedTrajectory(ParentAndChild(1, 1, joinRepeatsCall: true), 1)]).First();
        Assert.Equal([12], repeated.BranchPoints);
        Assert.Equal(2, repeated.TailLength(0));
    }

    [Fact]
    public void A_parent_that_spawns_twice_is_one_row_with_two_tails()
    {
        var row = Assert.Single(GrpoRow.Of([new WeightedTrajectory(TwoSpawns(4, 1), 1)]));
        Assert.Equal(3, row.Segments.Count);
        Assert.Equal([4 + 5, 4 + 5 + 3 + 4], row.BranchPoints);
        Assert.Equal([2, 3, 0], Enumerable.Range(0, 3).Select(row.TailLength));
        Assert.Equal(4 + 5 + 3 + 4 + 2 + 4 - 1, row.MainWidth);
        Assert.Equal(row.MainWidth + 5, row.Width);
    }

    [Fact]
    public void Siblings_with_the_same_prompt_are_not_chained()
    {
        var s = new TrajectorySegment([1, 5, 6], [7, 8], [-1f, -1f], [0, 0]);
        Assert.Equal(2, GrpoRow.Of([new WeightedTrajectory(new Trajectory([s, s with { Generated = [9, 10] }], 1), 1)]).Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_chained_row_trains_as_its_segments_would_one_row_each(bool tokenLevel)
    {
        using var policy = LlamaForCausalLM.Create(ModelTestUtil.Micro(Vocab), seed: 4);
        using var reference = LlamaForCausalLM.Create(ModelTestUtil.Micro(Vocab), seed: 5);
        var kept = Kept();
        var chained = GrpoRow.Of(kept).ToList();
        var separate = OneRowPerSegment(kept);
        Assert.True(chained.Count < separate.Count);
        var normalization = (kept.Count, kept.Sum(t => t.Trajectory.Segments.Sum(s => (long)s.Generated.Length)));
        var objective = new GrpoObjective(GrpoSettings.Paper);

        (double Loss, GrpoLossStats Stats, float[] Gradient) Train(List<GrpoRow> rows)
        {
            using var batch = GrpoBatch.Build(rows, tokenLevel, CPU, normalization);
            policy.zero_grad();
            using var referenceLogProbs = GrpoObjective.ReferenceLogProbs(reference, batch);
            var (loss, stats) = objective.Compute(policy, batch, referenceLogProbs);
            loss.backward();
            double value = loss.item<float>();
            loss.Dispose();
            return (value, stats, [.. policy.parameters().SelectMany(p => p.grad!.data<float>().ToArray())]);
        }

        var a = Train(separate);
        var b = Train(chained);
        Assert.Equal(a.Loss, b.Loss, 6);
        Assert.Equal(a.Stats.SamplerGap, b.Stats.SamplerGap, 6);
        Assert.Equal(a.Stats.MeanKl, b.Stats.MeanKl, 7);
        Assert.Equal(a.Stats.MeanRatio, b.Stats.MeanRatio, 6);
        Assert.True(a.Stats.MeanKl > 0, "the reference differs, so the KL term is exercised");
        Assert.Equal(a.Gradient.Length, b.Gradient.Length);
        Assert.True(a.Gradient.Zip(b.Gradient).Max(p => Math.Abs(p.First - p.Second)) < 1e-5);
        Assert.True(a.Gradient.Max(Math.Abs) > 1e-4, "the step has a gradient at all");
    }
}
