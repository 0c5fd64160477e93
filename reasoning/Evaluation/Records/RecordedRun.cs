namespace AprOrleans.Reasoning.Evaluation.Records;

/// <summary>A recorded run as read back: the file it came from, its header and its problems in file order.</summary>
public sealed record RecordedRun(string Path, RunHeader Header, IReadOnlyList<ProblemRecord> Problems);
