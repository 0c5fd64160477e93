using AprOrleans.Api;
using AprOrleans.Interfaces.Solving;

namespace AprOrleans.Silo.Api;

/// <summary>Turns grain outcomes into protobuf messages.</summary>
internal static class ResponseMapper
{
    public static SolveResponse Response(Guid id, SolveOutcome outcome) => new()
    {
        SolveId = id.ToString(),
        Answer = outcome.Answer ?? "",
        Correct = outcome.Correct,
        CheckDetail = outcome.CheckDetail ?? "",
        Root = Thread(outcome.Root),
        Totals = new Totals
        {
            Threads = outcome.Totals.Threads,
            Spawns = outcome.Totals.Spawns,
            GeneratedTokens = outcome.Totals.GeneratedTokens,
            SequentialTokens = outcome.Totals.SequentialTokens,
            MaxLevel = outcome.Totals.MaxLevel,
            ElapsedMs = outcome.Totals.Elapsed.TotalMilliseconds,
        },
    };

    public static ThreadSegment Segment(SegmentEvent e) => new()
    {
        Sequence = e.Sequence,
        NodeId = e.NodeId,
        GeneratedText = e.GeneratedText,
        GeneratedTokens = e.GeneratedTokens,
        Stop = ScreamingCase(e.Stop),
        ThreadDone = e.ThreadDone,
    };

    private static ThreadNode Thread(ThreadRecord t)
    {
        var node = new ThreadNode
        {
            NodeId = t.NodeId,
            Level = t.Level,
            Prompt = t.Prompt,
            Text = t.Text,
            GeneratedTokens = t.GeneratedTokens,
            EndReason = ScreamingCase(t.End),
            EndDetail = t.EndDetail ?? "",
            Answer = t.Answer ?? "",
            StartedUnixMs = t.StartedAt.ToUnixTimeMilliseconds(),
            ElapsedMs = t.Elapsed.TotalMilliseconds,
            QueueMs = t.QueueTime.TotalMilliseconds,
            DecodeMs = t.DecodeTime.TotalMilliseconds,
            Segments = t.Segments,
        };
        foreach (var spawn in t.Spawns)
        {
            var s = new Spawn();
            s.Children.AddRange(spawn.Children.Select(Thread));
            node.Spawns.Add(s);
        }
        return node;
    }

    /// <summary>ThreadTokenLimit → THREAD_TOKEN_LIMIT: the protobuf convention for enum-like strings.</summary>
    private static string ScreamingCase(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString()));
}
