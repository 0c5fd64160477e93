using System.CommandLine;
using System.CommandLine.Parsing;

namespace AprOrleans.CommandLine;

/// <summary>
/// The one line a parse error becomes: the option and what is wrong with it, an unknown option or command with the
/// known ones, or an argument nothing takes.
/// </summary>
public static class ParseProblem
{
    public static string? Describe(ParseResult parse)
    {
        if (parse.Errors.Count == 0) return null;
        // An option's own error is the cause when there are several: `--steps --lr 1` makes `--lr` the value of
        // --steps and leaves `1` over, and the line should be about --steps.
        if (parse.Errors.FirstOrDefault(e => e.SymbolResult is OptionResult or ArgumentResult { Parent: OptionResult }) is { } optionError)
            return OptionProblem(optionError);
        var command = parse.CommandResult.Command;
        if (parse.UnmatchedTokens.Count > 0) return Unmatched(command, parse.UnmatchedTokens[0]);
        if (command.Subcommands.Count > 0 && command.Action is null)
            return $"expected a command: {string.Join(", ", command.Subcommands.Select(c => c.Name))} (--help lists their options)";
        return OneLine(parse.Errors[0].Message);
    }

    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string OptionProblem(ParseError error)
    {
        var result = error.SymbolResult as OptionResult ?? (OptionResult)error.SymbolResult!.Parent!;
        var option = result.Option;
        if (result.Tokens.Count == 0 && !result.Implicit && option.Arity.MinimumNumberOfValues > 0)
            return $"option {option.Name} needs a value";
        if (result.Tokens.Count > 1 && option.Arity.MaximumNumberOfValues == 1)
            return $"option {option.Name} given twice";
        return OneLine(error.Message);
    }

    private static string Unmatched(Command command, string token)
    {
        if (token.StartsWith('-'))
        {
            var known = command.Options.Where(o => !o.Hidden).Select(o => o.Name).Order(StringComparer.Ordinal);
            return $"unknown option {token} (known: {string.Join(", ", known)})";
        }
        return command.Subcommands.Count > 0
            ? $"unknown command '{token}' (known: {string.Join(", ", command.Subcommands.Select(c => c.Name))})"
            : $"unexpected argument '{token}'";
    }
}
