using System.Text.Json;
using AprOrleans.Countdown.IO;

namespace AprOrleans.Reasoning.Evaluation.Records;

/// <summary>
/// A recorded run on disk: JSON Lines, the <see cref="RunHeader"/> first, then one <see cref="ProblemRecord"/>
/// per problem in file order. Written atomically (a stopped eval leaves no partial record); read back with every
/// inconsistency reported as an <see cref="InputFileException"/> naming file and line.
/// </summary>
public static class RunRecordFile
{
    public static void Write(string path, RunHeader header, IEnumerable<ProblemRecord> problems)
    {
        using var file = new AtomicFileWriter(path);
        file.Writer.WriteLine(JsonSerializer.Serialize(header));
        foreach (var problem in problems) file.Writer.WriteLine(JsonSerializer.Serialize(problem));
        file.Commit();
    }

    public static RecordedRun Read(string path)
    {
        if (!File.Exists(path)) throw new InputFileException(path, 0, null, "file not found");
        RunHeader? header = null;
        var problems = new List<ProblemRecord>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            if (header is null)
            {
                header = Parse<RunHeader>(path, lineNumber, line, "header");
                if (header.Record != RunHeader.Kind)
                    throw new InputFileException(path, lineNumber, "record", $"'{header.Record}' is not a recorded eval run ('{RunHeader.Kind}', written by apr eval --record)");
                if (header.Format != RunHeader.CurrentFormat)
                    throw new InputFileException(path, lineNumber, "format", $"format {header.Format}; this version reads {RunHeader.CurrentFormat}");
                if (header.Samples < 1) throw new InputFileException(path, lineNumber, "samples", "must be at least 1");
                header = header with { Temperature = RunHeader.Decimal(header.Temperature), TopP = RunHeader.Decimal(header.TopP) };
                continue;
            }
            var problem = Parse<ProblemRecord>(path, lineNumber, line, "problem");
            if (problem.Index != problems.Count)
                throw new InputFileException(path, lineNumber, "index", $"{problem.Index}, expected {problems.Count} (problems in file order)");
            if (problem.Samples is null || problem.Samples.Count != header.Samples)
                throw new InputFileException(path, lineNumber, "samples", $"{problem.Samples?.Count ?? 0} samples, the header says {header.Samples}");
            problems.Add(problem);
        }
        if (header is null) throw new InputFileException(path, 1, "header", "empty file: no recorded run");
        if (problems.Count != header.Problems)
            throw new InputFileException(path, lineNumber, "problems", $"{problems.Count} problem lines, the header says {header.Problems}");
        return new RecordedRun(path, header, problems);
    }

    private static T Parse<T>(string path, int line, string text, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Strict) ?? throw new InputFileException(path, line, what, "null");
        }
        catch (JsonException e)
        {
            throw new InputFileException(path, line, e.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : what, e.Message.Split(" Path:")[0]);
        }
    }

    private static readonly JsonSerializerOptions Strict = new() { RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true };
}
