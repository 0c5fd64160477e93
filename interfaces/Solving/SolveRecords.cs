namespace AprOrleans.Interfaces.Solving;

/// <summary>One thread of a finished tree (a serializable copy of the runtime's ThreadResult, without token ids).</summary>
[GenerateSerializer, Alias("apr.ThreadRecord")]
public sealed class ThreadRecord
{
    [Id(0)] public string NodeId { get; set; } = "";
    [Id(1)] public int Level { get; set; }
    [Id(2)] public string Prompt { get; set; } = "";
    [Id(3)] public string Text { get; set; } = "";
    [Id(4)] public int GeneratedTokens { get; set; }
    [Id(5)] public string End { get; set; } = "";
    [Id(6)] public string? EndDetail { get; set; }
    [Id(7)] public string? Answer { get; set; }
    [Id(8)] public DateTimeOffset StartedAt { get; set; }
    [Id(9)] public TimeSpan Elapsed { get; set; }
    [Id(10)] public TimeSpan QueueTime { get; set; }
    [Id(11)] public TimeSpan DecodeTime { get; set; }
    [Id(12)] public int Segments { get; set; }
    [Id(13)] public List<SpawnRecord> Spawns { get; set; } = [];
}

/// <summary>The children of one spawn, in sub-search order.</summary>
[GenerateSerializer, Alias("apr.SpawnRecord")]
public sealed class SpawnRecord
{
    [Id(0)] public List<ThreadRecord> Children { get; set; } = [];
}

[GenerateSerializer, Immutable, Alias("apr.SolveTotals")]
public sealed record SolveTotals(
    [property: Id(0)] int Threads,
    [property: Id(1)] int Spawns,
    [property: Id(2)] int GeneratedTokens,
    [property: Id(3)] int SequentialTokens,
    [property: Id(4)] int MaxLevel,
    [property: Id(5)] TimeSpan Elapsed);

/// <summary>A finished solve: the root's answer, the exact checker's verdict, the tree and totals.</summary>
[GenerateSerializer, Alias("apr.SolveOutcome")]
public sealed record SolveOutcome(
    [property: Id(0)] string? Answer,
    [property: Id(1)] bool Correct,
    [property: Id(2)] string? CheckDetail,
    [property: Id(3)] ThreadRecord Root,
    [property: Id(4)] SolveTotals Totals);

/// <summary>One decoded segment, reported while the tree runs.</summary>
[GenerateSerializer, Immutable, Alias("apr.SegmentEvent")]
public sealed record SegmentEvent(
    [property: Id(0)] int Sequence,
    [property: Id(1)] string NodeId,
    [property: Id(2)] string GeneratedText,
    [property: Id(3)] int GeneratedTokens,
    [property: Id(4)] string Stop,
    [property: Id(5)] bool ThreadDone);

[GenerateSerializer, Alias("apr.SolveStatus")]
public enum SolveStatus
{
    /// <summary>No solve was ever started under this id.</summary>
    Unknown = 0,
    Running = 1,
    Done = 2,
    Failed = 3,
    /// <summary>Every client watching it went away (deadline or cancellation) before it finished; its work was freed.</summary>
    Cancelled = 4,
    /// <summary>Its silo stopped (or died) before it finished: nothing of it is kept, and starting it again reruns it.</summary>
    Interrupted = 5,
}

/// <summary>What a poll returns: status, the segments after the caller's cursor, and the outcome when done.</summary>
[GenerateSerializer, Immutable, Alias("apr.SolveSnapshot")]
public sealed record SolveSnapshot(
    [property: Id(0)] SolveStatus Status,
    [property: Id(1)] IReadOnlyList<SegmentEvent> Segments,
    [property: Id(2)] SolveOutcome? Outcome,
    [property: Id(3)] string? Error);
