using System.Text.Json;
using AprOrleans.Countdown.IO;

namespace AprOrleans.Countdown.Problems;

/// <summary>Problem files: JSON Lines of <c>{"nums": [22, 26, 31, 53], "target": 27}</c>.</summary>
public static class ProblemFile
{
    /// <summary>Reads and validates every line; throws <see cref="InputFileException"/> at the first bad one.</summary>
    public static List<Problem> Read(string path)
    {
        var problems = new List<Problem>();
        foreach (var (line, obj) in JsonLinesReader.ReadObjects(path))
        {
            var nums = JsonLinesReader.RequireIntArray(obj, "nums", path, line);
            int target = JsonLinesReader.RequireInt(obj, "target", path, line);
            if (ProblemLimits.Check(nums, target) is { } fault)
                throw new InputFileException(path, line, fault.Field, fault.Message);
            problems.Add(new Problem(nums, target));
        }
        return problems;
    }

    public static string ToJson(Problem problem) =>
        JsonSerializer.Serialize(new { nums = problem.Nums, target = problem.Target });

    public static void Write(string path, IEnumerable<Problem> problems)
    {
        using var output = new AtomicFileWriter(path);
        foreach (var p in problems) output.Writer.WriteLine(ToJson(p));
        output.Commit();
    }
}
