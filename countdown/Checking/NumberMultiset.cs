using AprOrleans.Countdown.Arithmetic;

namespace AprOrleans.Countdown.Checking;

/// <summary>
/// The numbers still available while a path is replayed against a problem: each operation takes its two operands
/// out and puts its result in. Shared by the exact checker and by evaluation's solution-path test, so both replay
/// with the same rules.
/// </summary>
internal sealed class NumberMultiset(IEnumerable<int> start)
{
    private readonly List<int> _numbers = [.. start];

    public IReadOnlyList<int> Numbers => _numbers;

    /// <summary>Applies the operation; null when it applied, else why not (and the numbers are unchanged).</summary>
    public string? Apply(Operation op)
    {
        if (op.Validate() is { } fault) return fault;
        if (!_numbers.Remove(op.Left)) return $"'{op}' uses {op.Left}, which is not available in [{this}]";
        if (!_numbers.Remove(op.Right))
        {
            _numbers.Add(op.Left);
            return $"'{op}' uses {op.Right}, which is not available in [{this}]";
        }
        _numbers.Add(op.Result);
        return null;
    }

    /// <summary>Whether <paramref name="written"/> holds the same numbers, in any order.</summary>
    public bool SameAs(IEnumerable<int> written) => written.Order().SequenceEqual(_numbers.Order());

    public override string ToString() => string.Join(", ", _numbers);
}
