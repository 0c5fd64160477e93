using AprOrleans.Model;
using AprOrleans.Reasoning.Rl;
using AprOrleans.Tests.Model;
using AprOrleans.Trainer.Grpo;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Training;

public class GrpoTests
{
    private static Trajectory Scripted(double reward, params int[] segmentLengths) =>
        new([.. segmentLengths.Select(n => new TrajectorySegment([1, 5, 6], [.. Enumerable.Range(7, n)], new float[n], new long[n]))], reward);

    [Fact]
    public void Advantages_are_standardized_within_each_group()
    {
        var group = new RolloutGroup("p", [Scripted(1, 2), Scripted(0, 2), Scripted(0, 2), Scripted(1, 2)]);
        var paper = GroupAdvantages.Compute([group], GrpoSettings.Paper, currentVersion: 0);
        Assert.Equal([1.0, -1.0, -1.0, 1.0], paper.Kept.Select(k => Math.Round(k.Advantage, 6)));
        var dr = GroupAdvantages.Compute([group], new GrpoSettings { DrGrpo = true }, 0);
        Assert.Equal([0.5, -0.5, -0.5, 0.5], dr.Kept.Select(k => k.Advantage));
    }

    [Fact]
    public void Zero_variance_groups_are_counted_and_dropped_only_under_dapo()
    {
        var flat = new RolloutGroup("flat", [Scripted(1, 2), Scripted(1, 2)]);
        var mixed = new RolloutGroup("mixed", [Scripted(1, 2), Scripted(0, 2)]);
        var paper = GroupAdvantages.Compute([flat, mixed], GrpoSettings.Paper, 0);
        Assert.Equal(1, paper.ZeroVarianceGroups);
        Assert.Equal(4, paper.Kept.Count);
        Assert.All(paper.Kept.Take(2), k => Assert.Equal(0, k.Advantage));
        var dapo = GroupAdvantages.Compute([flat, mixed], GrpoSettings.Dapo, 0);
        Assert.Equal(2, dapo.Kept.Count);
    }

    [Fact]
    public void Stale_trajectories_are_dropped_by_the_staleness_bound()
    {
        var old = new Trajectory([new TrajectorySegment([1], [7], [0f], [3])], 1);
        var fresh = new Trajectory([new TrajectorySegment([1], [7], [0f], [9])], 0);
        var result = GroupAdvantages.Compute([new RolloutGroup("p", [old, fresh])], new GrpoSettings { StalenessBound = 2 }, currentVersion: 10);
        Assert.Equal(1, result.StaleTrajectories);
        Assert.Same(fresh, Assert.Single(result.Kept).Trajectory);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Token_weights_average_each_trajectory_and_sum_to_one(bool tokenLevel)
    {
        var kept = new[] { new WeightedTrajectory(Scripted(1, 3, 5), 1), new WeightedTrajectory(Scripted(0, 4), -1) };
        using var batch = GrpoBatch.Build(kept, tokenLevel, CPU);
        Assert.Equal(3, batch.Rows);
        Assert.Equal(12, batch.GeneratedTokens);
        Assert.Equal(1.0, (batch.TokenWeights * batch.Mask).sum().item<float>(), 5);
        if (!tokenLevel)
        {
            // The one-segment trajectory weighs as much as the two-segment one.
            Assert.Equal(0.5, batch.TokenWeights[2].sum().item<float>(), 5);
        }
    }

    /// <summary>Segments whose sampler log-probs are the policy's own at <paramref name="temperature"/> (ratio 1 at the first update).</summary>
    private static Trajectory OnPolicy(LlamaForCausalLM net, int seed, double reward, float temperature = 1f)
    {
        var context = ModelTestUtil.RandomTokens(1, 6, net.Config.VocabSize, seed);
        var generated = ModelTestUtil.RandomTokens(1, 5, net.Config.VocabSize, seed + 100);
        var all = cat([context, generated], 1);
        float[] logProbs;
        using (no_grad())
        {
            var lp = net.forward(all).div(temperature).log_softmax(-1)[0];
            logProbs = [.. Enumerable.Range(0, 5).Select(i => lp[5 + i, generated[0, i].item<long>()].item<float>())];
        }
        return new Trajectory([new TrajectorySegment(
            [.. context[0].data<long>().Select(x => (int)x)], [.. generated[0].data<long>().Select(x => (int)x)], logProbs, new long[5])], reward);
    }

    private static double SequenceLogProb(LlamaForCausalLM net, TrajectorySegment s)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var all = tensor(s.Context.Concat(s.Generated).Select(x => (long)x).ToArray(), [1, s.Context.Length + s.Generated.Length]);
        var lp = net.forward(all).log_softmax(-1)[0];
        return Enumerable.Range(0, s.Generated.Length).Sum(i => lp[s.Context.Length - 1 + i, s.Generated[i]].item<float>());
    }

    [Fact]
    public void A_step_raises_the_likelihood_of_rewarded_trajectories_and_lowers_the_others()
    {
        using var net = LlamaForCausalLM.Create(ModelTestUtil.Micro(), seed: 4);
        var good = OnPolicy(net, 1, 1);
        var bad = OnPolicy(net, 2, 0);
        var kept = GroupAdvantages.Compute([new RolloutGroup("p", [good, bad])], new GrpoSettings { KlBeta = 0 }, 0).Kept;
        double goodBefore = SequenceLogProb(net, good.Segments[0]), badBefore = SequenceLogProb(net, bad.Segments[0]);

        using var optimizer = optim.SGD(net.parameters(), 0.05);
        using (var batch = GrpoBatch.Build(kept, tokenLevel: false, CPU))
        {
            var (loss, stats) = new GrpoObjective(new GrpoSettings { KlBeta = 0 }).Compute(net, batch, referenceLogProbs: null);
            Assert.InRange(stats.MeanRatio, 0.999, 1.001);
            Assert.InRange(stats.SamplerGap, 0, 1e-4);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            loss.Dispose();
        }
        Assert.True(SequenceLogProb(net, good.Segments[0]) > goodBefore);
        Assert.True(SequenceLogProb(net, bad.Segments[0]) < badBefore);
    }

    [Fact]
    public void Rollouts_sampled_below_temperature_one_are_scored_at_their_temperature()
    {
        // The sampler records log-probs of its temperature-scaled distribution; scored at temperature 1 instead, the
        // ratio would compare two different distributions even on-policy.
        using var net = LlamaForCausalLM.Create(ModelTestUtil.Micro(), seed: 4);
        var t = OnPolicy(net, 5, 1, temperature: 0.5f);
        var objective = new GrpoObjective(new GrpoSettings { KlBeta = 0 });
        using (var atItsTemperature = GrpoBatch.Build([new WeightedTrajectory(t, 1.0)], tokenLevel: false, CPU, samplingTemperature: 0.5f))
        {
            var (loss, stats) = objective.Compute(net, atItsTemperature, referenceLogProbs: null);
            loss.Dispose();
            Assert.InRange(stats.SamplerGap, 0, 1e-4);
            Assert.InRange(stats.MeanRatio, 0.999, 1.001);
        }
        using (var atOne = GrpoBatch.Build([new WeightedTrajectory(t, 1.0)], tokenLevel: false, CPU))
        {
            var (loss, stats) = objective.Compute(net, atOne, referenceLogProbs: null);
            loss.Dispose();
            Assert.True(stats.SamplerGap > 0.01, $"gap {stats.SamplerGap}");
        }
    }

    [Fact]
    public void Tokens_past_the_clip_range_carry_no_gradient()
    {
        using var net = LlamaForCausalLM.Create(ModelTestUtil.Micro(), seed: 4);
        var t = OnPolicy(net, 3, 1);
        // The sampler was far less likely to pick these tokens: ρ ≫ 1 + ε with A > 0 is clipped.
        var stale = t with { Segments = [t.Segments[0] with { SamplerLogProbs = [.. t.Segments[0].SamplerLogProbs.Select(x => x - 3f)] }] };
        using var batch = GrpoBatch.Build([new WeightedTrajectory(stale, 1.0)], tokenLevel: false, CPU);
        var (loss, stats) = new GrpoObjective(new GrpoSettings { KlBeta = 0 }).Compute(net, batch, referenceLogProbs: null);
        Assert.Equal(1.0, stats.ClipFraction, 6);
        net.zero_grad();
        loss.backward();
        double gradNorm = net.parameters().Sum(p => p.grad is null ? 0 : p.grad.abs().sum().item<float>());
        Assert.Equal(0, gradNorm, 9);
    }

    [Fact]
    public void The_k3_kl_is_zero_against_itself_and_positive_against_another_model()
    {
        using var policy = LlamaForCausalLM.Create(ModelTestUtil.Micro(), seed: 4);
        using var same = LlamaForCausalLM.Create(ModelTestUtil.Micro(), seed: 4);
        using var other = LlamaForCausalLM.Create(ModelTestUtil.Micro(), seed: 5);
        var t = OnPolicy(policy, 4, 1);
        using var batch = GrpoBatch.Build([new WeightedTrajectory(t, 1.0)], tokenLevel: false, CPU);
        var objective = new GrpoObjective(GrpoSettings.Paper);
        using var sameLogProbs = GrpoObjective.ReferenceLogProbs(same, batch);
        using var otherLogProbs = GrpoObjective.ReferenceLogProbs(other, batch);
        Assert.Equal(0, objective.Compute(policy, batch, sameLogProbs).Stats.MeanKl, 6);
        Assert.True(objective.Compute(policy, batch, otherLogProbs).Stats.MeanKl > 0);
    }
}
