using System.Text.Json;
using AprOrleans.Reasoning.Rl;

namespace AprOrleans.Bench;

/// <summary>
/// Rollout groups as JSON lines (one group per line), so that a GRPO benchmark can train on the very same rollouts in
/// several runs or builds: sampling is the slow part of the bench and its batched decode is not reproducible.
/// </summary>
internal static class RolloutGroupsFile
{
    public static void Write(string path, IEnumerable<RolloutGroup> groups) =>
        File.WriteAllLines(path, groups.Select(g => JsonSerializer.Serialize(g)));

    public static List<RolloutGroup> Read(string path) =>
        [.. File.ReadLines(path).Where(line => line.Length > 0).Select((line, i) =>
            JsonSerializer.Deserialize<RolloutGroup>(line) ?? throw new InvalidDataException($"{path}:{i + 1}: not a rollout group"))];
}
