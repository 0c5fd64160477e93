using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;
using AprOrleans.Reasoning.Runtime;
using AprOrleans.Tests.Countdown;

namespace AprOrleans.Tests.Runtime;

public class SpawnJoinRuntimeTests
{
    private static readonly CountdownTokenizer Tokenizer = CountdownTokenizer.Default;

    private const string RootPrompt = PaperExample.RootPrompt;
    private const string ParentSearch = PaperExample.ParentSearch;
    private const string SpawnTwo = PaperExample.SpawnTwo;
    private const string ChildPath = PaperExample.ChildPath;
    private const string ChildZeroPrompt = PaperExample.ChildZeroPrompt;
    private const string ChildOnePrompt = PaperExample.ChildOnePrompt;

    /// <summary>The DESIGN §3 example: two children, the first finds 27, the second does not.</summary>
    private static string PaperScript(string context)
    {
        if (context == RootPrompt) return ParentSearch + SpawnTwo;
        if (context == ChildZeroPrompt) return "\nExploring Operation: 22/22=1, Resulting Numbers: [26, 1]\n...search...\n27,27 equal: Goal Reached\n" + ChildPath;
        if (context == ChildOnePrompt) return "\nExploring Operation: 31-26=5, Resulting Numbers: [31, 5]\n26,27 unequal: No Solution\nNo solution found.\n";
        if (context.EndsWith("<End Sub Searches>\n")) return "27,27 equal: Goal Reached\n" + "Moving to Node #0\n...\n27,27 equal: Goal Reached\n";
        throw new InvalidOperationException($"unexpected context:\n{context}");
    }

    private static SpawnJoinRuntime Runtime(IThreadDecoder decoder, TreeLimits? limits = null) =>
        new(decoder, Tokenizer, limits ?? TreeLimits.Default);

    [Fact]
    public async Task The_parent_resumes_from_exactly_the_papers_join_text()
    {
        var decoder = new ScriptedDecoder(PaperScript);
        var root = await Runtime(decoder).RunAsync(RootPrompt, SamplingSettings.Greedy);

        Assert.Equal(ThreadEnd.Finished, root.End);
        Assert.Equal(2, root.Segments.Count);
        var resumed = Tokenizer.Decode(root.Segments[1].Context);
        Assert.Equal(
            RootPrompt + ParentSearch +
            "<Sub Searches>\n" +
            "<Goal Reached in Sub Search 0 at level 1 at Node #0,0>\n" + ChildPath +
            "<No Solution in Sub Search 1 at level 1 at Node #0,1>\n" +
            "<End Sub Searches>\n", resumed);
        Assert.Equal([ChildZeroPrompt, ChildOnePrompt], root.Spawns.Single().Select(c => c.Prompt));
        Assert.Equal(ChildPath, root.Spawns[0][0].Answer);
        Assert.Null(root.Spawns[0][1].Answer);
        Assert.Equal("Moving to Node #0\n...\n27,27 equal: Goal Reached\n", root.Answer);
    }

    [Fact]
    public async Task The_resumed_context_keeps_the_pre_spawn_tokens_exactly()
    {
        var root = await Runtime(new ScriptedDecoder(PaperScript)).RunAsync(RootPrompt, SamplingSettings.Greedy);
        var first = root.Segments[0];
        var beforeSpawn = first.Context.Concat(first.Generated).TakeWhile(t => t != Tokenizer.IdOf(TraceLiterals.CallingSubSearches)).ToList();
        Assert.Equal(beforeSpawn, root.Segments[1].Context.Take(beforeSpawn.Count));
        Assert.Equal(first.Generated.Count, first.LogProbs.Count);
        Assert.All(first.WeightVersions, v => Assert.Equal(7L, v));
    }

    [Fact]
    public async Task A_self_written_join_marker_is_replaced_by_a_spawn_marker()
    {
        var script = (string context) => context == RootPrompt
            ? ParentSearch + "<Sub Searches>"
            : context.EndsWith("<Calling Sub Searches>")
                ? "\n<Start Sub Search 0 at level 1> Moving to Node #0,1\n<End Calling Sub Searches>"
                : context.StartsWith("Moving to Node #0,1") ? "\nNo solution found.\n" : "No solution found.\n";
        var decoder = new ScriptedDecoder(script);
        var root = await Runtime(decoder).RunAsync(RootPrompt, SamplingSettings.Greedy);

        Assert.Contains(decoder.Contexts, c => c.EndsWith(ParentSearch + "<Calling Sub Searches>"));
        Assert.DoesNotContain(decoder.Contexts, c => c.EndsWith("Operation: 53-22=31\n<Sub Searches>"));
        Assert.Equal(1, root.Segments[0].GuardSubstitutions);
        Assert.Single(root.Spawns.Single());
        Assert.Equal(ThreadEnd.Finished, root.End);
    }

    [Fact]
    public async Task A_model_that_never_stops_hits_the_thread_limit_and_returns()
    {
        var decoder = new ScriptedDecoder(_ => string.Concat(Enumerable.Repeat("1", 10_000)));
        var root = await Runtime(decoder, new TreeLimits { MaxTokensPerThread = 300 }).RunAsync(RootPrompt, SamplingSettings.Greedy);
        Assert.Equal(ThreadEnd.ThreadTokenLimit, root.End);
        Assert.Contains("300", root.EndDetail);
        Assert.Equal(300, root.Segments[0].Context.Count + root.Segments[0].Generated.Count);
        Assert.Null(root.Answer);
    }

    [Fact]
    public async Task Too_many_children_are_refused_and_reported()
    {
        var root = await Runtime(new ScriptedDecoder(PaperScript), new TreeLimits { MaxChildrenPerSpawn = 1 }).RunAsync(RootPrompt, SamplingSettings.Greedy);
        Assert.Equal(ThreadEnd.ChildrenLimit, root.End);
        Assert.Contains("2 children exceed 1", root.EndDetail);
        Assert.Empty(root.Spawns);
    }

    [Fact]
    public async Task Spawning_below_the_depth_limit_is_refused_and_the_parent_sees_no_solution()
    {
        // Child #0,0 tries to spawn a grandchild; with depth 1 it is stopped there.
        string Script(string context) => context == ChildZeroPrompt
            ? "\nExploring Operation: 22/22=1, Resulting Numbers: [26, 1]\nGenerated Node #0,0,0: 27:[26, 1] Operation: 22/22=1\n" +
              "<Calling Sub Searches>\n<Start Sub Search 0 at level 2> Moving to Node #0,0,0\n<End Calling Sub Searches>"
            : PaperScript(context);
        var root = await Runtime(new ScriptedDecoder(Script), new TreeLimits { MaxDepth = 1 }).RunAsync(RootPrompt, SamplingSettings.Greedy);
        var child = root.Spawns[0][0];
        Assert.Equal(ThreadEnd.DepthLimit, child.End);
        Assert.Contains("<No Solution in Sub Search 0 at level 1 at Node #0,0>", Tokenizer.Decode(root.Segments[1].Context));
    }

    [Fact]
    public async Task Nested_spawns_run_when_the_depth_allows()
    {
        string Script(string context) =>
            context == ChildZeroPrompt
                ? "\nExploring Operation: 22/22=1, Resulting Numbers: [26, 1]\nGenerated Node #0,0,0: 27:[26, 1] Operation: 22/22=1\n" +
                  "<Calling Sub Searches>\n<Start Sub Search 0 at level 2> Moving to Node #0,0,0\n<End Calling Sub Searches>"
                : context == "Moving to Node #0,0,0\nCurrent State: 27:[26, 1], Operations: ['53-31=22', '22/22=1']"
                    ? "\nExploring Operation: 26+1=27, Resulting Numbers: [27]\n27,27 equal: Goal Reached\nMoving to Node #0,0,0\nCurrent State: 27:[26, 1], Operations: ['53-31=22', '22/22=1']\nExploring Operation: 26+1=27, Resulting Numbers: [27]\n27,27 equal: Goal Reached\n"
                    : context.EndsWith("<End Sub Searches>\n") && context.StartsWith(ChildZeroPrompt)
                        ? "27,27 equal: Goal Reached\n" + ChildPath
                        : PaperScript(context);
        var root = await Runtime(new ScriptedDecoder(Script), new TreeLimits { MaxDepth = 2 }).RunAsync(RootPrompt, SamplingSettings.Greedy);
        var grandchild = root.Spawns[0][0].Spawns.Single().Single();
        Assert.Equal(2, grandchild.Level);
        Assert.Equal(ThreadEnd.Finished, grandchild.End);
        Assert.Equal(ChildPath, root.Spawns[0][0].Answer);
        Assert.Equal(ThreadEnd.Finished, root.End);
    }

    [Fact]
    public async Task The_tree_token_budget_is_never_exceeded_and_is_reported()
    {
        string Script(string context) => context == RootPrompt ? ParentSearch + SpawnTwo : string.Concat(Enumerable.Repeat("9", 5_000));
        var limits = new TreeLimits { MaxTotalTokens = 400, MaxTokensPerThread = 4096 };
        var root = await Runtime(new ScriptedDecoder(Script), limits).RunAsync(RootPrompt, SamplingSettings.Greedy);
        Assert.True(root.TotalGeneratedTokens <= 400, $"generated {root.TotalGeneratedTokens}");
        Assert.Contains(root.SelfAndDescendants(), t => t.End == ThreadEnd.TreeTokenLimit);
    }

    [Fact]
    public async Task A_spawn_of_a_node_never_generated_is_reported_not_run()
    {
        string Script(string context) => context == RootPrompt
            ? ParentSearch + "<Calling Sub Searches>\n<Start Sub Search 0 at level 1> Moving to Node #0,7\n<End Calling Sub Searches>"
            : throw new InvalidOperationException("no child may run");
        var root = await Runtime(new ScriptedDecoder(Script)).RunAsync(RootPrompt, SamplingSettings.Greedy);
        Assert.Equal(ThreadEnd.InvalidSpawn, root.End);
        Assert.Contains("#0,7", root.EndDetail);
    }

    [Fact]
    public async Task Replaying_solver_demonstrations_reproduces_every_sequence_exactly()
    {
        for (int i = 0; i < 40; i++)
        {
            var demo = DemoSamples.Apr(4, i);
            var sequences = demo.Sequences.Select(s => s.Text).ToList();
            string Script(string context)
            {
                var match = sequences.Where(s => s.StartsWith(context, StringComparison.Ordinal)).MaxBy(s => s.Length)
                    ?? throw new InvalidOperationException($"no demonstration sequence continues:\n{context}");
                return match[context.Length..];
            }
            var root = await Runtime(new ScriptedDecoder(Script)).RunAsync(TraceFormat.ThreadPrompt(SearchNode.Root(demo.Problem.Nums, demo.Problem.Target)), SamplingSettings.Greedy);

            var produced = root.SelfAndDescendants()
                .SelectMany(t => t.Segments.Select(s => Tokenizer.Decode(s.Context.Concat(s.Generated))))
                .ToList();
            Assert.Equal(sequences.Order(StringComparer.Ordinal), produced.Order(StringComparer.Ordinal));
            Assert.Equal(demo.Answer, root.Answer);
            Assert.Equal(demo.ChildrenPerSpawn, root.Spawns.Select(s => s.Count));
        }
    }
}
