using System.Text;
using static AprOrleans.Countdown.Trace.TraceLiterals;

namespace AprOrleans.Countdown.Trace;

/// <summary>One child requested by a spawn block: "&lt;Start Sub Search i at level L&gt; Moving to Node #id".</summary>
public sealed record SpawnedChild(int Index, int Level, string NodeId);

/// <summary>
/// A parent segment that ends in a spawn block: the text before the block (which the join block will follow)
/// and the children it asks for.
/// </summary>
public sealed record SpawnBlock(string TextBeforeBlock, IReadOnlyList<SpawnedChild> Children)
{
    /// <summary>Renders the block exactly as the solver and the model write it (ending at the stop marker).</summary>
    public static string Render(IReadOnlyList<SpawnedChild> children)
    {
        var sb = new StringBuilder();
        sb.Append(CallingSubSearches).Append('\n');
        foreach (var child in children)
        {
            sb.Append(StartSubSearch).Append(child.Index).Append(AtLevel).Append(child.Level)
              .Append("> ").Append(MovingToNode).Append(child.NodeId).Append('\n');
        }
        sb.Append(EndCallingSubSearches);
        return sb.ToString();
    }

    /// <summary>True when the segment's last non-blank content is the end-of-spawn marker.</summary>
    public static bool EndsWithSpawn(string segment) =>
        segment.TrimEnd().EndsWith(EndCallingSubSearches, StringComparison.Ordinal);

    /// <summary>Parses the last spawn block of <paramref name="segment"/>; throws <see cref="TraceFormatException"/> with the reason.</summary>
    public static SpawnBlock Parse(string segment)
    {
        var text = segment.TrimEnd();
        if (!text.EndsWith(EndCallingSubSearches, StringComparison.Ordinal))
            throw new TraceFormatException($"segment does not end with {EndCallingSubSearches}");
        int start = text.LastIndexOf(CallingSubSearches, StringComparison.Ordinal);
        if (start < 0) throw new TraceFormatException($"{EndCallingSubSearches} without {CallingSubSearches}");
        if (start > 0 && text[start - 1] != '\n') throw new TraceFormatException($"{CallingSubSearches} must start a line");

        var body = text[(start + CallingSubSearches.Length)..^EndCallingSubSearches.Length];
        var children = new List<SpawnedChild>();
        foreach (var raw in body.Split('\n'))
        {
            if (raw.Length == 0) continue;
            if (!TraceParser.TryParse(raw, out var line, out var error) || line.Kind != TraceLineKind.StartSubSearch)
                throw new TraceFormatException(error.Length > 0 ? error : $"unexpected line in spawn block: '{raw}'");
            if (line.Index != children.Count)
                throw new TraceFormatException($"sub search {line.Index} out of order (expected {children.Count})");
            children.Add(new SpawnedChild(line.Index, line.Level, line.NodeId!));
        }
        if (children.Count == 0) throw new TraceFormatException("spawn block names no children");
        return new SpawnBlock(text[..start], children);
    }
}
