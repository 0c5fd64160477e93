using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;
using AprOrleans.Reasoning.Evaluation;

namespace AprOrleans.Tests.Countdown;

public class BudgetConditioningTests
{
    [Fact]
    public void An_apr_demonstration_is_labelled_with_its_beam_where_inference_puts_the_budget()
    {
        for (int i = 0; i < 40; i++)
        {
            var demo = DemoSamples.Apr(3, i);
            var conditioned = BudgetConditioning.Condition(demo, contextTokens: 1024);
            // Training text and the inference prompt for the same budget begin alike, token for token.
            string prompt = PromptBuilder.Root(demo.Problem, subCallBudget: demo.Beam);
            Assert.Equal(demo.Sequences.Count, conditioned.Sequences.Count);
            for (int s = 0; s < demo.Sequences.Count; s++)
            {
                var before = demo.Sequences[s];
                var after = conditioned.Sequences[s];
                if (before.Level == 0)
                {
                    Assert.StartsWith(prompt, after.Text);
                    Assert.Equal(ConditioningPrefix.SubCallBudget(demo.Beam) + before.Text, after.Text);
                    var tokens = CountdownTokenizer.Default.Encode(after.Text);
                    Assert.Equal(CountdownTokenizer.Default.Encode(prompt), tokens.Take(CountdownTokenizer.Default.Encode(prompt).Count));
                }
                else Assert.Equal(before.Text, after.Text); // children's contexts never carry the prefix
            }
        }
    }

    [Fact]
    public void A_serial_demonstration_is_labelled_with_its_length_rounded_up_to_512_within_the_context()
    {
        var demo = DemoSamples.SosPlus(3, 3);
        var conditioned = BudgetConditioning.Condition(demo, contextTokens: 4096);
        int expected = (demo.SequentialTokens + 511) / 512 * 512;
        Assert.StartsWith(TraceLiterals.TokenBudget + expected + " Moving to Node #0\n", conditioned.Sequences[0].Text);
        Assert.StartsWith(PromptBuilder.Root(demo.Problem, tokenBudget: expected), conditioned.Sequences[0].Text);
        Assert.Equal(512, ConditioningPrefix.TokenBudgetFor(1, 4096));
        Assert.Equal(512, ConditioningPrefix.TokenBudgetFor(512, 4096));
        Assert.Equal(1024, ConditioningPrefix.TokenBudgetFor(513, 4096));
        Assert.Equal(1000, ConditioningPrefix.TokenBudgetFor(900, 1000));
    }

    [Fact]
    public void A_finer_token_budget_step_labels_short_traces_apart()
    {
        var demo = DemoSamples.SosPlus(3, 3);
        var conditioned = BudgetConditioning.Condition(demo, contextTokens: 2048, tokenBudgetStep: 128);
        int expected = (demo.SequentialTokens + 127) / 128 * 128;
        Assert.StartsWith(PromptBuilder.Root(demo.Problem, tokenBudget: expected), conditioned.Sequences[0].Text);
        Assert.Equal(128, ConditioningPrefix.TokenBudgetFor(100, 2048, step: 128));
        Assert.Equal(384, ConditioningPrefix.TokenBudgetFor(300, 2048, step: 128));
        Assert.Equal(512, ConditioningPrefix.TokenBudgetFor(300, 2048));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConditioningPrefix.TokenBudgetFor(300, 2048, step: 0));
    }

    [Fact]
    public void The_conditioned_share_follows_the_fraction_and_depends_only_on_seed_and_index()
    {
        Assert.DoesNotContain(Enumerable.Range(0, 1000), i => BudgetConditioning.Chooses(0, 1, i));
        Assert.All(Enumerable.Range(0, 1000), i => Assert.True(BudgetConditioning.Chooses(1, 1, i)));
        var first = Enumerable.Range(0, 20_000).Select(i => BudgetConditioning.Chooses(0.3, 4, i)).ToList();
        var again = Enumerable.Range(0, 20_000).Select(i => BudgetConditioning.Chooses(0.3, 4, i)).ToList();
        Assert.Equal(first, again);
        double share = first.Count(c => c) / 20_000.0;
        Assert.InRange(share, 0.28, 0.32);
        // Another seed picks other demonstrations.
        var otherSeed = Enumerable.Range(0, 20_000).Select(i => BudgetConditioning.Chooses(0.3, 5, i)).ToList();
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void An_apr_demonstration_wider_than_ten_children_is_refused_not_mislabelled()
    {
        var demo = new AprSolver(CountdownTokenizer.Default, minBeam: 12, maxBeam: 12).Solve(DemoSamples.ProblemFor(3, 1), new Random(1));
        var error = Assert.Throws<InvalidDataException>(() => BudgetConditioning.Condition(demo, 1024));
        Assert.Contains("beam 12", error.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    public void A_sub_call_budget_outside_0_to_10_is_refused(int children) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ConditioningPrefix.SubCallBudget(children));
}
