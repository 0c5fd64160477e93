using AprOrleans.Countdown.Problems;
using AprOrleans.Countdown.Tokenization;
using AprOrleans.Countdown.Trace;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// Turns a solved thread tree into a <see cref="Demonstration"/>: flattens it into training sequences and
/// counts tokens. Total tokens sum every sequence; sequential tokens are the longest single sequence.
/// </summary>
public static class DemonstrationBuilder
{
    public static Demonstration Build(Problem problem, string solver, int beam, ThreadTrace root, CountdownTokenizer tokenizer)
    {
        var sequences = new List<DemoSequence>();
        var childrenPerSpawn = new List<int>();
        foreach (var thread in root.SelfAndDescendants())
        {
            string role = thread.Level == 0 ? "parent" : "child";
            foreach (var segment in thread.Segments) sequences.Add(new DemoSequence(role, thread.Start.Id, thread.Level, segment));
            childrenPerSpawn.AddRange(thread.Spawns.Select(s => s.Count));
        }
        int total = 0, longest = 0, chars = 0;
        foreach (var s in sequences)
        {
            int tokens = tokenizer.Count(s.Text);
            total += tokens;
            longest = Math.Max(longest, tokens);
            chars += s.Text.Length;
        }
        var finalText = root.Segments[^1];
        string? answer = root.Solved ? AnswerExtractor.Extract(finalText) : null;
        return new Demonstration(problem, solver, beam, root.Solved, answer, sequences, childrenPerSpawn, total, longest, chars);
    }
}
