using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;
using AprOrleans.Trainer.Data;

namespace AprOrleans.Tests.Training;

public sealed class GeneratedDemoSourceTests
{
    private static readonly CountdownTokenizer Tokenizer = CountdownTokenizer.Default;

    /// <summary>The start of a demonstration's root thread: only that problem's root sequence begins with it.</summary>
    private static string RootPrompt(Problem p) => $"Moving to Node #0\nCurrent State: {p.Target}:{TraceFormat.NumberList(p.Nums)}, Operations: []";

    private static List<string> Texts(IEnumerable<int[]> sequences) => [.. sequences.Select(ids => Tokenizer.Decode(ids))];

    private static bool StartsAnyOf(IEnumerable<string> texts, Problem p) => texts.Any(t => t.StartsWith(RootPrompt(p), StringComparison.Ordinal));

    [Fact]
    public void Budget_conditioning_labels_the_chosen_share_of_root_sequences_and_nothing_else()
    {
        const int seed = 3;
        var plain = new GeneratedDemoSource(3, "apr", seed, Tokenizer, maxLength: 1024, problemsPerPool: 64, validationProblems: 4);
        var conditioner = new DemoConditioner(0.5, seed, 1024);
        var labelled = new GeneratedDemoSource(3, "apr", seed, Tokenizer, maxLength: 1024, problemsPerPool: 64, validationProblems: 4,
                                               conditioner: conditioner);
        var plainTexts = Texts(plain.Pool(0));
        var labelledTexts = Texts(labelled.Pool(0));
        Assert.Equal(plainTexts.Count, labelledTexts.Count);
        int prefixed = 0;
        for (int i = 0; i < plainTexts.Count; i++)
        {
            if (labelledTexts[i] == plainTexts[i]) continue;
            prefixed++;
            Assert.Matches(@"^Sub Call Budget: ([1-9]|10) Moving to Node #0\n", labelledTexts[i]);
            Assert.EndsWith(plainTexts[i], labelledTexts[i]);
        }
        // Problem i is labelled exactly when the conditioner chooses index i (here: some, not all).
        var problems = new ProblemGenerator(3, seed).Take(64).ToList();
        var chosen = problems.Where((p, i) => BudgetConditioning.Chooses(0.5, seed, i)).ToList();
        Assert.InRange(chosen.Count, 16, 48);
        Assert.All(chosen, p => Assert.Contains(labelledTexts, t => t.StartsWith("Sub Call Budget: ", StringComparison.Ordinal)
                                                                      && t.Contains(RootPrompt(p), StringComparison.Ordinal)));
        Assert.All(problems.Except(chosen), p => Assert.DoesNotContain(labelledTexts, t => t.Contains(RootPrompt(p), StringComparison.Ordinal)
                                                                                            && t.StartsWith("Sub Call Budget: ", StringComparison.Ordinal)));
        Assert.True(prefixed > 0);
    }

    [Fact]
    public void Excluded_problems_reach_neither_training_nor_validation()
    {
        const int seed = 7;
        var trainingProblems = new ProblemGenerator(3, seed).Take(16).ToList();
        var validationProblems = new ProblemGenerator(3, DeterministicSeed.For(seed, -1)).Take(4).ToList();

        // Without exclusion, these problems are exactly what the source trains and validates on.
        var plain = new GeneratedDemoSource(3, "apr", seed, Tokenizer, maxLength: 1024, problemsPerPool: 32, validationProblems: 4);
        var plainTexts = Texts(plain.Pool(0));
        Assert.All(trainingProblems, p => Assert.True(StartsAnyOf(plainTexts, p), $"{p.Key} should be in pool 0"));
        Assert.All(validationProblems, p => Assert.True(StartsAnyOf(Texts(plain.Validation), p), $"{p.Key} should be in validation"));

        var excluded = trainingProblems.Concat(validationProblems).Select(p => p.Key).ToHashSet();
        var filtered = new GeneratedDemoSource(3, "apr", seed, Tokenizer, maxLength: 1024, problemsPerPool: 32, validationProblems: 4, exclude: excluded);
        var texts = Texts(filtered.Pool(0).Concat(filtered.Pool(1)));
        Assert.All(trainingProblems.Concat(validationProblems), p => Assert.False(StartsAnyOf(texts, p), $"{p.Key} was trained on"));
        Assert.All(trainingProblems.Concat(validationProblems), p => Assert.False(StartsAnyOf(Texts(filtered.Validation), p), $"{p.Key} was validated on"));
        Assert.Contains("20 problems excluded", filtered.Description);
    }

    [Fact]
    public void Pools_solved_in_parallel_equal_the_problems_solved_one_by_one_in_order()
    {
        const int seed = 3, perPool = 24;
        var source = new GeneratedDemoSource(3, "apr", seed, Tokenizer, maxLength: 1024, problemsPerPool: perPool, validationProblems: 0);
        var solver = new AprSolver(Tokenizer);
        var problems = new ProblemGenerator(3, seed).Take(3 * perPool).ToList();
        List<int[]> Expected(int first) =>
        [
            .. problems.Skip(first).Take(perPool)
                .Select((p, i) => solver.Solve(p, new Random(DeterministicSeed.For(seed, first + i))))
                .SelectMany(d => d.Sequences.Select(s => Tokenizer.Encode(s.Text, addBos: true, addEos: true).ToArray())),
        ];
        Assert.Equal(Expected(0), source.Pool(0));
        // Pool 2 after skipping pool 1: the fast-forward lands on the same problems and seeds.
        Assert.Equal(Expected(2 * perPool), source.Pool(2));
    }

    [Fact]
    public void Pools_sized_for_large_batches_keep_padding_under_a_fifth()
    {
        const int batchTokens = 65_536;
        double Padding(int problemsPerPool)
        {
            var source = new GeneratedDemoSource(3, "apr", seed: 1, Tokenizer, maxLength: 1024, problemsPerPool, validationProblems: 0);
            var batches = BatchPlanner.Plan(source.Pool(0), batchTokens, seed: 1, poolIndex: 0);
            return 1 - (double)batches.Sum(b => b.RealTokens) / batches.Sum(b => b.PaddedTokens);
        }
        double sized = Padding(PoolSizing.Problems(batchTokens));
        Assert.True(sized < 0.2, $"padding {sized:P1} with {PoolSizing.Problems(batchTokens)} problems per pool");
        // The old fixed pool of 128 problems is what made GPU-sized batches a quarter padding.
        Assert.True(Padding(128) > sized, $"128 problems: {Padding(128):P1}, sized: {sized:P1}");
    }
}
