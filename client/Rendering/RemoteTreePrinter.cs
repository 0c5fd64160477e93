using System.Text;
using AprOrleans.Api;

namespace AprOrleans.Client.Rendering;

/// <summary>The thread tree of a gRPC <see cref="SolveResponse"/>, printed like <see cref="ThreadTreePrinter"/>.</summary>
public static class RemoteTreePrinter
{
    public static string Render(ThreadNode root, bool withText = false)
    {
        var sb = new StringBuilder();
        Append(sb, root, "", "", withText);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, ThreadNode thread, string lead, string childLead, bool withText)
    {
        var outcome = thread.EndReason == "FINISHED"
            ? thread.Answer.Length == 0 ? "no solution" : "goal"
            : $"{thread.EndReason}: {thread.EndDetail}";
        sb.Append(lead).Append('#').Append(thread.NodeId)
          .Append($"  level {thread.Level}  {thread.GeneratedTokens} tokens  {thread.Segments} segment{(thread.Segments == 1 ? "" : "s")}  {thread.ElapsedMs:F0} ms  {outcome}")
          .Append('\n');
        if (withText)
        {
            foreach (var line in thread.Text.TrimEnd().Split('\n')) sb.Append(childLead).Append("  | ").Append(line).Append('\n');
        }
        var children = thread.Spawns.SelectMany(s => s.Children).ToList();
        for (int i = 0; i < children.Count; i++)
        {
            bool last = i == children.Count - 1;
            Append(sb, children[i], childLead + (last ? "└─ " : "├─ "), childLead + (last ? "   " : "│  "), withText);
        }
    }
}
