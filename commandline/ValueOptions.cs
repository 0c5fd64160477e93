using System.CommandLine;

namespace AprOrleans.CommandLine;

/// <summary>
/// Options that take one value, parsed alike in every program (<see cref="ValueParsing"/>): numbers in the invariant
/// culture, finite, in range; a value that is the next option's name is a missing value. The plain forms default to
/// <c>fallback</c>; the <c>Optional</c> forms are null when not given (the caller tells "not given" from a default).
/// </summary>
public static class ValueOptions
{
    public static Option<string> Text(string name, string description, string fallback) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback, CustomParser = r => ValueParsing.Text(r, name) ?? fallback };

    public static Option<string?> OptionalText(string name, string description) =>
        new(name) { Description = description, CustomParser = r => ValueParsing.Text(r, name) };

    public static Option<int> Int(string name, string description, int fallback, int min = int.MinValue, int max = int.MaxValue) =>
        new(name) { Description = description, HelpName = "N", DefaultValueFactory = _ => fallback, CustomParser = r => ValueParsing.Int(r, name, min, max) ?? fallback };

    public static Option<int?> OptionalInt(string name, string description, int min = int.MinValue, int max = int.MaxValue) =>
        new(name) { Description = description, HelpName = "N", CustomParser = r => ValueParsing.Int(r, name, min, max) };

    /// <param name="exclusive">The value must be above <paramref name="min"/>, not at it.</param>
    public static Option<double> Double(string name, string description, double fallback, double min = double.NegativeInfinity, bool exclusive = false) =>
        new(name) { Description = description, HelpName = "X", DefaultValueFactory = _ => fallback, CustomParser = r => ValueParsing.Double(r, name, min, exclusive) ?? fallback };

    public static Option<double?> OptionalDouble(string name, string description, double min = double.NegativeInfinity, bool exclusive = false) =>
        new(name) { Description = description, HelpName = "X", CustomParser = r => ValueParsing.Double(r, name, min, exclusive) };

    /// <summary>A value that must be one of <paramref name="choices"/> (e.g. paged or regions).</summary>
    public static Option<string> Choice(string name, string description, string fallback, params string[] choices) =>
        new(name) { Description = description, HelpName = string.Join("|", choices), DefaultValueFactory = _ => fallback, CustomParser = r => ValueParsing.Choice(r, name, choices) ?? fallback };

    /// <summary>An option without a value: given means true.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>Whether the command line gave <paramref name="option"/> (not a default standing in for it).</summary>
    public static bool IsGiven(this ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}
