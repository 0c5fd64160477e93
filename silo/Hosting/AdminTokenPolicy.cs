using System.Text;

namespace AprOrleans.Silo.Hosting;

/// <summary>
/// What an admin token must be for the silo to start with it. The token guards weight publishing and experiment
/// control, so a guessable one is worse than none (none closes the admin calls): the silo refuses to start with a
/// token shorter than <see cref="MinimumBytes"/>, one that holds a known placeholder, or one of too few distinct
/// characters. Generate one with <c>openssl rand -hex 32</c>.
/// </summary>
public static class AdminTokenPolicy
{
    /// <summary>256 bits as hex is 64 characters; 32 bytes of printable text is the least the silo takes.</summary>
    public const int MinimumBytes = 32;

    /// <summary>Fewer distinct characters than this (e.g. "aaaa…", "0101…") is a pattern, not a secret.</summary>
    public const int MinimumDistinctCharacters = 8;

    /// <summary>Words that mark a value copied from an example or a template rather than generated.</summary>
    private static readonly string[] Placeholders =
        ["changeme", "change-me", "change_me", "replaceme", "replace-me", "replace_me", "placeholder", "example", "your-token", "yourtoken", "<token>"];

    /// <summary>Null when <paramref name="token"/> is acceptable (or unset: admin calls are then refused), else why not, one line.</summary>
    public static string? Check(string? token)
    {
        if (token is null) return null;
        var bytes = Encoding.UTF8.GetByteCount(token);
        if (bytes < MinimumBytes)
            return $"Apr:AdminToken is {bytes} bytes; it must be at least {MinimumBytes} (generate one: openssl rand -hex 32), or unset to refuse admin calls";
        if (token.Any(char.IsWhiteSpace))
            return "Apr:AdminToken holds whitespace; a Bearer header cannot carry it intact (generate one: openssl rand -hex 32)";
        var placeholder = Placeholders.FirstOrDefault(p => token.Contains(p, StringComparison.OrdinalIgnoreCase));
        if (placeholder is not null)
            return $"Apr:AdminToken holds the placeholder '{placeholder}'; set a generated secret (openssl rand -hex 32)";
        if (token.Distinct().Count() < MinimumDistinctCharacters)
            return $"Apr:AdminToken has fewer than {MinimumDistinctCharacters} distinct characters; set a generated secret (openssl rand -hex 32)";
        return null;
    }
}
