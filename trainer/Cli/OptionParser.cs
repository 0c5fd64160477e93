using System.Globalization;

namespace AprOrleans.Trainer.Cli;

/// <summary>
/// Minimal <c>--name value</c> parser: every option takes a value; unknown names, missing values and values of the
/// wrong type become <see cref="UsageException"/>s naming the option.
/// </summary>
public sealed class OptionParser
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public OptionParser(IReadOnlyList<string> args, IReadOnlyCollection<string> known)
    {
        for (int i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"unexpected argument '{arg}'");
            var name = arg[2..];
            string? inlineValue = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { inlineValue = name[(eq + 1)..]; name = name[..eq]; }
            if (!known.Contains(name)) throw new UsageException($"unknown option --{name} (known: {string.Join(", ", known.Select(k => "--" + k))})");
            string value = inlineValue ?? (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i]
                : throw new UsageException($"option --{name} needs a value"));
            if (!_values.TryAdd(name, value)) throw new UsageException($"option --{name} given twice");
        }
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.GetValueOrDefault(name);

    public int? Int(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!_values.TryGetValue(name, out var text)) return null;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new UsageException($"--{name} '{text}': expected an integer");
        if (value < min || value > max)
            throw new UsageException($"--{name} {value}: expected {min}..{(max == int.MaxValue ? "" : max.ToString(CultureInfo.InvariantCulture))}");
        return value;
    }

    /// <summary>A finite number ≥ <paramref name="min"/> (or &gt; it when <paramref name="exclusive"/>).</summary>
    public double? Double(string name, double min = double.NegativeInfinity, bool exclusive = false)
    {
        if (!_values.TryGetValue(name, out var text)) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new UsageException($"--{name} '{text}': expected a number");
        if (exclusive ? value <= min : value < min)
            throw new UsageException($"--{name} {text}: must be {(exclusive ? ">" : "≥")} {min.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }
}
