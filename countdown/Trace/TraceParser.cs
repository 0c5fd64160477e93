using System.Collections.Immutable;
using AprOrleans.Countdown.Arithmetic;
using static AprOrleans.Countdown.Trace.TraceLiterals;

namespace AprOrleans.Countdown.Trace;

/// <summary>Parses single lines of the trace language exactly; anything else is rejected.</summary>
public static class TraceParser
{
    public static TraceLine Parse(string line) =>
        TryParse(line, out var parsed, out var error) ? parsed : throw new FormatException(error);

    public static bool TryParse(string line, out TraceLine parsed, out string error)
    {
        parsed = null!;
        error = "";
        string? prefix = null;
        var body = StripConditioningPrefix(line, out prefix);
        var result = ParseBody(body);
        if (result is null)
        {
            error = $"not a trace line: '{Clip(line)}'";
            return false;
        }
        parsed = prefix is null ? result : result with { Prefix = prefix };
        return true;
    }

    private static TraceLine? ParseBody(string line)
    {
        switch (line)
        {
            case NoSolutionFound: return new TraceLine(TraceLineKind.NoSolutionFound);
            case NoSolutionInInlineSubSearch: return new TraceLine(TraceLineKind.InlineSubSearchNoSolution);
            case CallingSubSearches: return new TraceLine(TraceLineKind.CallingSubSearches);
            case EndCallingSubSearches: return new TraceLine(TraceLineKind.EndCallingSubSearches);
            case SubSearches: return new TraceLine(TraceLineKind.SubSearches);
            case EndSubSearches: return new TraceLine(TraceLineKind.EndSubSearches);
        }
        if (line.StartsWith(MovingToNode, StringComparison.Ordinal))
            return IsNodeId(line.AsSpan(MovingToNode.Length)) ? new TraceLine(TraceLineKind.MovingTo) { NodeId = line[MovingToNode.Length..] } : null;
        if (line.StartsWith(CurrentState, StringComparison.Ordinal)) return ParseCurrentState(line);
        if (line.StartsWith(ExploringOperation, StringComparison.Ordinal)) return ParseExploring(line);
        if (line.StartsWith(GeneratedNode, StringComparison.Ordinal)) return ParseGenerated(line);
        if (line.StartsWith(StartInlineSubSearch, StringComparison.Ordinal)) return ParseInlineStart(line);
        if (line.StartsWith(ExitInlineSubSearch, StringComparison.Ordinal))
            return TryInt(line.AsSpan(ExitInlineSubSearch.Length), out int exitLevel) ? new TraceLine(TraceLineKind.InlineSubSearchExit) { Level = exitLevel } : null;
        if (line.StartsWith(StartSubSearch, StringComparison.Ordinal)) return ParseStartSubSearch(line);
        if (line.StartsWith(NoSolutionInSubSearch, StringComparison.Ordinal)) return ParseSubSearchResult(line, NoSolutionInSubSearch, TraceLineKind.NoSolutionInSubSearch);
        if (line.StartsWith(GoalReachedInSubSearch, StringComparison.Ordinal)) return ParseSubSearchResult(line, GoalReachedInSubSearch, TraceLineKind.GoalReachedInSubSearch);
        return ParseVerdict(line);
    }

    /// <summary>Removes "Sub Call Budget: N " / "Token Budget: B " from the front of a root prompt line.</summary>
    public static string StripConditioningPrefix(string line, out string? prefix)
    {
        prefix = null;
        foreach (var literal in new[] { SubCallBudget, TokenBudget })
        {
            if (!line.StartsWith(literal, StringComparison.Ordinal)) continue;
            int space = line.IndexOf(' ', literal.Length);
            if (space < 0 || !TryInt(line.AsSpan(literal.Length, space - literal.Length), out _)) return line;
            prefix = line[..(space + 1)];
            return line[(space + 1)..];
        }
        return line;
    }

    // Current State: 27:[22, 26, 22], Operations: ['53-31=22']
    private static TraceLine? ParseCurrentState(string line)
    {
        var rest = line.AsSpan(CurrentState.Length);
        int opsAt = rest.IndexOf(OperationsList, StringComparison.Ordinal);
        if (opsAt < 0) return null;
        if (!TryParseState(rest[..opsAt], out int target, out var nums)) return null;
        if (!TryParseOperationList(rest[(opsAt + OperationsList.Length)..], out var ops)) return null;
        return new TraceLine(TraceLineKind.CurrentState) { Target = target, Nums = nums, Ops = ops };
    }

    // Exploring Operation: 53-31=22, Resulting Numbers: [22, 26, 22]
    private static TraceLine? ParseExploring(string line)
    {
        var rest = line.AsSpan(ExploringOperation.Length);
        int numsAt = rest.IndexOf(ResultingNumbers, StringComparison.Ordinal);
        if (numsAt < 0 || !Operation.TryParse(rest[..numsAt], out var op)) return null;
        if (!TryParseNumberList(rest[(numsAt + ResultingNumbers.Length)..], out var nums)) return null;
        return new TraceLine(TraceLineKind.Exploring) { Op = op, Nums = nums };
    }

    // Generated Node #0,0: 27:[22, 26, 22] Operation: 53-31=22
    private static TraceLine? ParseGenerated(string line)
    {
        var rest = line.AsSpan(GeneratedNode.Length);
        int colon = rest.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0 || !IsNodeId(rest[..colon])) return null;
        var id = rest[..colon].ToString();
        rest = rest[(colon + 2)..];
        int opAt = rest.IndexOf(NodeOperation, StringComparison.Ordinal);
        if (opAt < 0 || !TryParseState(rest[..opAt], out int target, out var nums)) return null;
        if (!Operation.TryParse(rest[(opAt + NodeOperation.Length)..], out var op)) return null;
        return new TraceLine(TraceLineKind.Generated) { NodeId = id, Target = target, Nums = nums, Op = op };
    }

    // 27,27 equal: Goal Reached  |  26,27 unequal: No Solution
    private static TraceLine? ParseVerdict(string line)
    {
        string suffix;
        if (line.EndsWith(Unequal, StringComparison.Ordinal)) suffix = Unequal;
        else if (line.EndsWith(Equal, StringComparison.Ordinal)) suffix = Equal;
        else return null;
        var pair = line.AsSpan(0, line.Length - suffix.Length);
        int comma = pair.IndexOf(',');
        if (comma < 0 || !TryInt(pair[..comma], out int value) || !TryInt(pair[(comma + 1)..], out int target)) return null;
        if ((suffix == Equal) != (value == target)) return null;
        return new TraceLine(TraceLineKind.Verdict) { Value = value, Target = target };
    }

    // Start Sub Search at level 1: Moving to Node #0,1
    private static TraceLine? ParseInlineStart(string line)
    {
        var rest = line.AsSpan(StartInlineSubSearch.Length);
        int colon = rest.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0 || !TryInt(rest[..colon], out int level)) return null;
        rest = rest[(colon + 2)..];
        if (!rest.StartsWith(MovingToNode, StringComparison.Ordinal) || !IsNodeId(rest[MovingToNode.Length..])) return null;
        return new TraceLine(TraceLineKind.InlineSubSearchStart) { Level = level, NodeId = rest[MovingToNode.Length..].ToString() };
    }

    // <Start Sub Search 0 at level 1> Moving to Node #0,0
    private static TraceLine? ParseStartSubSearch(string line)
    {
        var rest = line.AsSpan(StartSubSearch.Length);
        int levelAt = rest.IndexOf(AtLevel, StringComparison.Ordinal);
        if (levelAt < 0 || !TryInt(rest[..levelAt], out int index)) return null;
        rest = rest[(levelAt + AtLevel.Length)..];
        const string close = "> " + MovingToNode;
        int closeAt = rest.IndexOf(close, StringComparison.Ordinal);
        if (closeAt < 0 || !TryInt(rest[..closeAt], out int level)) return null;
        var id = rest[(closeAt + close.Length)..];
        if (!IsNodeId(id)) return null;
        return new TraceLine(TraceLineKind.StartSubSearch) { Index = index, Level = level, NodeId = id.ToString() };
    }

    // <No Solution in Sub Search 0 at level 1 at Node #0,0>  |  <Goal Reached in Sub Search 1 at level 1 at Node #0,1>
    private static TraceLine? ParseSubSearchResult(string line, string literal, TraceLineKind kind)
    {
        if (!line.EndsWith('>')) return null;
        var rest = line.AsSpan(literal.Length, line.Length - literal.Length - 1);
        int levelAt = rest.IndexOf(AtLevel, StringComparison.Ordinal);
        if (levelAt < 0 || !TryInt(rest[..levelAt], out int index)) return null;
        rest = rest[(levelAt + AtLevel.Length)..];
        int nodeAt = rest.IndexOf(AtNode, StringComparison.Ordinal);
        if (nodeAt < 0 || !TryInt(rest[..nodeAt], out int level)) return null;
        var id = rest[(nodeAt + AtNode.Length)..];
        if (!IsNodeId(id)) return null;
        return new TraceLine(kind) { Index = index, Level = level, NodeId = id.ToString() };
    }

    private static bool TryParseState(ReadOnlySpan<char> text, out int target, out ImmutableArray<int> nums)
    {
        target = 0;
        nums = [];
        int colon = text.IndexOf(':');
        return colon > 0 && TryInt(text[..colon], out target) && TryParseNumberList(text[(colon + 1)..], out nums);
    }

    public static bool TryParseNumberList(ReadOnlySpan<char> text, out ImmutableArray<int> nums)
    {
        nums = [];
        if (text.Length < 2 || text[0] != '[' || text[^1] != ']') return false;
        var inner = text[1..^1];
        if (inner.IsEmpty) return true;
        var builder = ImmutableArray.CreateBuilder<int>();
        foreach (var range in inner.Split(", "))
        {
            if (!TryInt(inner[range], out int n)) return false;
            builder.Add(n);
        }
        nums = builder.ToImmutable();
        return true;
    }

    public static bool TryParseOperationList(ReadOnlySpan<char> text, out ImmutableArray<Operation> ops)
    {
        ops = [];
        if (text.Length < 2 || text[0] != '[' || text[^1] != ']') return false;
        var inner = text[1..^1];
        if (inner.IsEmpty) return true;
        var builder = ImmutableArray.CreateBuilder<Operation>();
        foreach (var range in inner.Split(", "))
        {
            var quoted = inner[range];
            if (quoted.Length < 2 || quoted[0] != '\'' || quoted[^1] != '\'') return false;
            if (!Operation.TryParse(quoted[1..^1], out var op)) return false;
            builder.Add(op);
        }
        ops = builder.ToImmutable();
        return true;
    }

    /// <summary>Comma path of non-negative integers starting at the root "0".</summary>
    public static bool IsNodeId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty) return false;
        foreach (var range in id.Split(','))
        {
            if (!TryInt(id[range], out _)) return false;
        }
        return true;
    }

    private static bool TryInt(ReadOnlySpan<char> text, out int value) => Operation.TryParseNumber(text, out value);

    private static string Clip(string line) => line.Length <= 80 ? line : line[..77] + "...";
}
