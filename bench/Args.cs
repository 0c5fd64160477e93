namespace AprOrleans.Bench;

/// <summary>
/// Minimal "--name value" lookups for benchmark verbs (they take a handful of numeric knobs; which options a verb
/// takes is checked first, by <see cref="BenchOptions"/>). A value that does not parse is a usage error, not the default.
/// </summary>
internal static class Args
{
    public static int Int(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        if (at < 0 || at + 1 >= args.Length) return fallback;
        return int.TryParse(args[at + 1], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new BenchUsageException($"option {name}: '{args[at + 1]}' is not an integer");
    }

    public static double Double(string[] args, string name, double fallback)
    {
        int at = Array.IndexOf(args, name);
        if (at < 0 || at + 1 >= args.Length) return fallback;
        return double.TryParse(args[at + 1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new BenchUsageException($"option {name}: '{args[at + 1]}' is not a number");
    }

    public static string String(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }
}

/// <summary>A bench verb's arguments are wrong: exit code 2 and this one line.</summary>
public sealed class BenchUsageException(string message) : Exception(message);
