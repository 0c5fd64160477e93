using System.CommandLine;

namespace AprOrleans.CommandLine;

/// <summary>
/// How apr, trainer and bench run a command line. Exit codes: 2 for a parse error or a <see cref="UsageException"/>
/// (one line on stderr: the command's path, then what is wrong), else what the command returns.
/// </summary>
public static class CommandLineProgram
{
    // No response files: a value that starts with '@' (a path, a label) is taken as written.
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    public static ParseResult Parse(Command root, IReadOnlyList<string> args) => root.Parse(args, Parsing);

    /// <summary>Parses <paramref name="args"/>, or throws a <see cref="UsageException"/> saying what is wrong with them.</summary>
    public static ParseResult ParseOrThrow(Command root, IReadOnlyList<string> args)
    {
        var parse = Parse(root, args);
        return ParseProblem.Describe(parse) is { } problem ? throw new UsageException(problem) : parse;
    }

    /// <param name="program">The name errors start with (the root command's own name is the executable's, which differs under a test host).</param>
    /// <param name="isUsageError">Further exceptions that mean bad input rather than a failure (exit 2, not a crash).</param>
    public static int Run(string program, Command root, IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr,
        Func<Exception, bool>? isUsageError = null)
    {
        var parse = Parse(root, args);
        string where = CommandPath(program, parse);
        if (ParseProblem.Describe(parse) is { } problem)
        {
            stderr.WriteLine($"{where}: {problem}");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Unwrap(e) is UsageException || isUsageError?.Invoke(Unwrap(e)) == true)
        {
            stderr.WriteLine($"{where}: {ParseProblem.OneLine(Unwrap(e).Message)}");
            return 2;
        }
    }

    /// <summary>"trainer sft": the program and the subcommands the arguments chose.</summary>
    private static string CommandPath(string program, ParseResult parse)
    {
        var names = new List<string>();
        for (var command = parse.CommandResult; command.Parent is System.CommandLine.Parsing.CommandResult parent; command = parent)
            names.Insert(0, command.Command.Name);
        return string.Join(' ', names.Prepend(program));
    }

    // An async action's exception arrives wrapped.
    private static Exception Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerException!) : e;
}
