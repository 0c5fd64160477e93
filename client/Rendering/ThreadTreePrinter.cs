using System.Text;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Client.Rendering;

/// <summary>Prints a spawn/join tree one thread per line, children indented under the spawn that made them.</summary>
public static class ThreadTreePrinter
{
    public static string Render(ThreadResult root, bool withText = false)
    {
        var sb = new StringBuilder();
        Append(sb, root, "", "", withText);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, ThreadResult thread, string lead, string childLead, bool withText)
    {
        var outcome = thread.End == ThreadEnd.Finished
            ? thread.Answer is null ? "no solution" : "goal"
            : $"{thread.End}: {thread.EndDetail}";
        sb.Append(lead).Append('#').Append(thread.NodeId)
          .Append($"  level {thread.Level}  {thread.GeneratedTokens} tokens  {thread.Segments.Count} segment{(thread.Segments.Count == 1 ? "" : "s")}  {thread.Elapsed.TotalMilliseconds:F0} ms  {outcome}")
          .Append('\n');
        if (withText)
        {
            foreach (var line in thread.Text.TrimEnd().Split('\n')) sb.Append(childLead).Append("  | ").Append(line).Append('\n');
        }
        var children = thread.Spawns.SelectMany(s => s).ToList();
        for (int i = 0; i < children.Count; i++)
        {
            bool last = i == children.Count - 1;
            Append(sb, children[i], childLead + (last ? "└─ " : "├─ "), childLead + (last ? "   " : "│  "), withText);
        }
    }
}
