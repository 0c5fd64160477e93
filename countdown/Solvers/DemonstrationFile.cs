using System.Text.Json;
using System.Text.Json.Serialization;
using AprOrleans.Countdown.IO;
using AprOrleans.Countdown.Problems;

namespace AprOrleans.Countdown.Solvers;

/// <summary>
/// Demonstration files: JSON Lines, one demonstration per line:
/// <c>{"problem":{"nums":[..],"target":27},"solver":"apr","beam":4,"solved":true,"answer":"..","sequences":[{"role":"parent","node":"0","level":0,"text":".."}],
/// "children_per_spawn":[3],"total_tokens":..,"sequential_tokens":..,"chars":..}</c>.
/// </summary>
public static class DemonstrationFile
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Traces are full of quotes and angle brackets; the default encoder would write each as \u00XX.
        // The files are data, never embedded in HTML, so only what JSON itself requires is escaped.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private sealed record ProblemDto(int[] Nums, int Target);
    private sealed record SequenceDto(string Role, string Node, int Level, string Text);
    private sealed record DemoDto(
        ProblemDto Problem, string Solver, int Beam, bool Solved, string? Answer, SequenceDto[] Sequences,
        int[] ChildrenPerSpawn, int TotalTokens, int SequentialTokens, int Chars);

    public static string ToJson(Demonstration d) => JsonSerializer.Serialize(new DemoDto(
        new ProblemDto([.. d.Problem.Nums], d.Problem.Target), d.Solver, d.Beam, d.Solved, d.Answer,
        [.. d.Sequences.Select(s => new SequenceDto(s.Role, s.NodeId, s.Level, s.Text))],
        [.. d.ChildrenPerSpawn], d.TotalTokens, d.SequentialTokens, d.TotalChars), Options);

    public static Demonstration FromJson(string json)
    {
        var dto = JsonSerializer.Deserialize<DemoDto>(json, Options) ?? throw new JsonException("null demonstration");
        if (dto.Problem is null || dto.Sequences is null) throw new JsonException("missing 'problem' or 'sequences'");
        return new Demonstration(
            new Problem(dto.Problem.Nums, dto.Problem.Target), dto.Solver, dto.Beam, dto.Solved, dto.Answer,
            [.. dto.Sequences.Select(s => new DemoSequence(s.Role, s.Node, s.Level, s.Text))],
            dto.ChildrenPerSpawn ?? [], dto.TotalTokens, dto.SequentialTokens, dto.Chars);
    }

    /// <summary>Streams a file's demonstrations; a bad line raises <see cref="InputFileException"/> naming it.</summary>
    public static IEnumerable<Demonstration> Read(string path)
    {
        if (!File.Exists(path)) throw new InputFileException(path, 0, null, "file not found");
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            Demonstration demo;
            try { demo = FromJson(text); }
            catch (JsonException e) { throw new InputFileException(path, line, null, $"not a demonstration ({e.Message})"); }
            yield return demo;
        }
    }
}
