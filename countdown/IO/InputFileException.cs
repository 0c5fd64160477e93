namespace AprOrleans.Countdown.IO;

/// <summary>Bad input in a file, located precisely enough for a one-line error: file, line, field.</summary>
public sealed class InputFileException(string file, int line, string? field, string problem)
    : Exception(Format(file, line, field, problem))
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public string? Field { get; } = field;
    public string Problem { get; } = problem;

    private static string Format(string file, int line, string? field, string problem) =>
        field is null ? $"{file}:{line}: {problem}" : $"{file}:{line}: field '{field}': {problem}";
}
