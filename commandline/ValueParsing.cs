using System.CommandLine.Parsing;
using System.Globalization;

namespace AprOrleans.CommandLine;

/// <summary>
/// The value of a one-value option, or null with an error on the result that names the option and says what is wrong
/// (the parse then fails with that line, exit 2).
/// </summary>
public static class ValueParsing
{
    public static string? Text(ArgumentResult result, string name)
    {
        // Arity errors (no value, two values) are reported by the parser itself before it asks for the value.
        if (result.Tokens.Count != 1) return null;
        string text = result.Tokens[0].Value;
        // The parser hands an option the next token even when that token is an option: `--out --steps 3`.
        if (text.StartsWith("--", StringComparison.Ordinal))
        {
            result.AddError($"option {name} needs a value");
            return null;
        }
        return text;
    }

    public static int? Int(ArgumentResult result, string name, int min, int max)
    {
        if (Text(result, name) is not { } text) return null;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            return Fail<int>(result, $"{name} '{text}': expected an integer");
        if (value < min || value > max)
            return Fail<int>(result, $"{name} {value}: expected {Bound(min, int.MinValue)}..{Bound(max, int.MaxValue)}");
        return value;
    }

    /// <summary>A finite number ≥ <paramref name="min"/> (or &gt; it when <paramref name="exclusive"/>).</summary>
    public static double? Double(ArgumentResult result, string name, double min, bool exclusive)
    {
        if (Text(result, name) is not { } text) return null;
        // NumberStyles.Float, not the parser's default: "1,5" is a typo, not fifteen.
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            return Fail<double>(result, $"{name} '{text}': expected a number");
        if (exclusive ? value <= min : value < min)
            return Fail<double>(result, $"{name} {text}: must be {(exclusive ? ">" : "≥")} {min.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    /// <summary>One of <paramref name="choices"/>, spelled exactly.</summary>
    public static string? Choice(ArgumentResult result, string name, IReadOnlyList<string> choices)
    {
        if (Text(result, name) is not { } text) return null;
        if (choices.Contains(text)) return text;
        result.AddError($"{name} '{text}': expected {string.Join(" or ", choices)}");
        return null;
    }

    private static string Bound(int value, int unbounded) => value == unbounded ? "" : value.ToString(CultureInfo.InvariantCulture);

    private static T? Fail<T>(ArgumentResult result, string message) where T : struct
    {
        result.AddError(message);
        return null;
    }
}
