namespace AprOrleans.Bench;

/// <summary>
/// The options one bench verb takes: <see cref="Values"/> are "--name value", <see cref="Flags"/> stand alone. A verb's
/// arguments are checked against them before it runs, so a mistyped option (or a missing value) exits 2 naming it
/// instead of silently running with a default.
/// </summary>
public sealed record BenchOptions(string[] Values, string[] Flags)
{
    public static BenchOptions Of(params string[] values) => new(values, []);

    public BenchOptions WithFlags(params string[] flags) => this with { Flags = flags };

    /// <summary>Null when <paramref name="args"/> use only these options, each value option with a value; else the problem, one line.</summary>
    public string? Check(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (Flags.Contains(arg)) continue;
            if (Values.Contains(arg))
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)) return $"option {arg} needs a value";
                i++;
                continue;
            }
            var known = string.Join(", ", Values.Concat(Flags).Order(StringComparer.Ordinal));
            return arg.StartsWith("--", StringComparison.Ordinal)
                ? $"unknown option {arg} (known: {known})"
                : $"unexpected argument '{arg}' (options are --name value; known: {known})";
        }
        return null;
    }
}
