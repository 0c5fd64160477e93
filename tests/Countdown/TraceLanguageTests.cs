using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Tests.Countdown;

/// <summary>The trace language against the exact literals of DESIGN §3.</summary>
public class TraceLanguageTests
{
    private const string Parent = PaperExample.ParentSegment;
    private const string ChildPath = PaperExample.ChildPath;

    [Fact]
    public void Parses_a_spawn_block_and_rebuilds_each_child_context()
    {
        var spawn = SpawnBlock.Parse(Parent);
        Assert.Equal(["0,0", "0,1"], spawn.Children.Select(c => c.NodeId));
        Assert.All(spawn.Children, c => Assert.Equal(1, c.Level));
        Assert.Equal(
            PaperExample.ChildZeroPrompt,
            ChildContext.Prompt(spawn.TextBeforeBlock, "0,0"));
        Assert.Equal(
            PaperExample.ChildOnePrompt,
            ChildContext.Prompt(spawn.TextBeforeBlock, "0,1"));
    }

    [Fact]
    public void Builds_the_join_block_the_paper_uses()
    {
        var spawn = SpawnBlock.Parse(Parent);
        var join = JoinBlock.Render([new ChildOutcome(spawn.Children[0], ChildPath), new ChildOutcome(spawn.Children[1], null)]);
        Assert.Equal(
            "<Sub Searches>\n" +
            "<Goal Reached in Sub Search 0 at level 1 at Node #0,0>\n" + ChildPath +
            "<No Solution in Sub Search 1 at level 1 at Node #0,1>\n" +
            "<End Sub Searches>\n", join);
        Assert.DoesNotContain("<Calling Sub Searches>", JoinBlock.ResumeContext(spawn, [new ChildOutcome(spawn.Children[0], null), new ChildOutcome(spawn.Children[1], null)]));
    }

    [Fact]
    public void The_answer_is_the_text_after_the_second_to_last_goal()
    {
        var trace = "Moving to Node #0\n...\n27,27 equal: Goal Reached\n" + ChildPath;
        Assert.Equal(ChildPath, AnswerExtractor.Extract(trace));
        Assert.Null(AnswerExtractor.Extract("Moving to Node #0\n27,27 equal: Goal Reached\n"));
        Assert.True(SolutionChecker.Check(new Problem([22, 26, 31, 53], 27), ChildPath).Valid);
    }

    [Fact]
    public void The_model_never_writes_the_join_marker_itself()
    {
        Assert.Equal("abc\n<Calling Sub Searches>", ChildContext.ReplaceSelfWrittenJoin("abc\n<Sub Searches>"));
        Assert.Equal("abc", ChildContext.ReplaceSelfWrittenJoin("abc"));
    }

    [Theory]
    [InlineData("<Start Sub Search 0 at level 1> Moving to Node #0,9")]
    [InlineData("<Start Sub Search 1 at level 1> Moving to Node #0,0")]
    public void A_spawn_of_an_ungenerated_node_or_out_of_order_index_is_an_error(string badLine)
    {
        var text = Parent.Replace("<Start Sub Search 0 at level 1> Moving to Node #0,0", badLine);
        Assert.Throws<TraceFormatException>(() =>
        {
            var spawn = SpawnBlock.Parse(text);
            foreach (var c in spawn.Children) ChildContext.StartNode(spawn.TextBeforeBlock, c.NodeId);
        });
    }

    [Theory]
    [InlineData("Sub Call Budget: 6 Moving to Node #0", "Sub Call Budget: 6 ")]
    [InlineData("Token Budget: 1024 Moving to Node #0", "Token Budget: 1024 ")]
    public void Conditioning_prefixes_are_recognised(string line, string prefix)
    {
        var parsed = TraceParser.Parse(line);
        Assert.Equal(TraceLineKind.MovingTo, parsed.Kind);
        Assert.Equal(prefix, parsed.Prefix);
    }

    [Theory]
    [InlineData("Current State: 27:[22, 26, 31 53], Operations: []")]
    [InlineData("Exploring Operation: 53-31=22 Resulting Numbers: [22]")]
    [InlineData("27,26 equal: Goal Reached")]
    [InlineData("Moving to Node #")]
    [InlineData("hello")]
    public void Malformed_lines_are_rejected(string line) => Assert.False(TraceParser.TryParse(line, out _, out _));
}
