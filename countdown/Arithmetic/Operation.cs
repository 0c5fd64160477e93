using System.Globalization;

namespace AprOrleans.Countdown.Arithmetic;

/// <summary>
/// One arithmetic step on a pair of numbers, written larger operand first ("53-31=22").
/// Instances made by <see cref="TryCreate"/> are always valid; parsed ones are checked by <see cref="Validate"/>.
/// </summary>
public readonly record struct Operation(int Left, char Symbol, int Right, int Result)
{
    public static readonly char[] Symbols = ['+', '*', '-', '/'];

    /// <summary>Applies <paramref name="symbol"/> to the pair, larger operand first; false when not allowed.</summary>
    public static bool TryCreate(int a, int b, char symbol, out Operation operation)
    {
        int hi = Math.Max(a, b), lo = Math.Min(a, b);
        operation = default;
        long result;
        switch (symbol)
        {
            case '+': result = (long)hi + lo; break;
            case '*': result = (long)hi * lo; break;
            case '-': result = hi - lo; break;
            case '/':
                if (lo == 0 || hi % lo != 0) return false;
                result = hi / lo;
                break;
            default: return false;
        }
        if (result > int.MaxValue) return false;
        operation = new Operation(hi, symbol, lo, (int)result);
        return true;
    }

    /// <summary>Every allowed operation on the pair, in the fixed order + * - /.</summary>
    public static IEnumerable<Operation> AllOn(int a, int b)
    {
        foreach (var symbol in Symbols)
        {
            if (TryCreate(a, b, symbol, out var op)) yield return op;
        }
    }

    /// <summary>Null when the operation is arithmetically exact and in canonical form, else the reason.</summary>
    public string? Validate()
    {
        if (Left < 0 || Right < 0 || Result < 0) return $"'{this}' uses a negative number";
        if (Left < Right) return $"'{this}' must put the larger operand first";
        if (Symbol == '/' && Right == 0) return $"'{this}' divides by zero";
        if (Symbol == '/' && Left % Right != 0) return $"'{this}' is not an exact division";
        if (!TryCreate(Left, Right, Symbol, out var exact)) return $"'{this}' is not an allowed operation";
        if (exact.Result != Result) return $"'{this}' is wrong: {Left}{Symbol}{Right} is {exact.Result}";
        return null;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Left}{Symbol}{Right}={Result}");

    /// <summary>Parses "a?b=c" exactly; no whitespace, non-negative integers.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Operation operation)
    {
        operation = default;
        int eq = text.IndexOf('=');
        if (eq <= 0) return false;
        var lhs = text[..eq];
        int symbolAt = lhs.IndexOfAny("+-*/");
        if (symbolAt <= 0 || symbolAt == lhs.Length - 1) return false;
        if (!TryParseNumber(lhs[..symbolAt], out int left)
            || !TryParseNumber(lhs[(symbolAt + 1)..], out int right)
            || !TryParseNumber(text[(eq + 1)..], out int result))
        {
            return false;
        }
        operation = new Operation(left, lhs[symbolAt], right, result);
        return true;
    }

    internal static bool TryParseNumber(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 9) return false;
        foreach (var c in text)
        {
            if (c < '0' || c > '9') return false;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
