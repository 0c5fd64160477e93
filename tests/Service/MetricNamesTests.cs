using System.Text.RegularExpressions;
using AprOrleans.Tests.Client;

namespace AprOrleans.Tests.Service;

/// <summary>
/// The metric names silo/README.md lists are the ones the silo exports: Prometheus names carry the exporter's
/// suffixes (counters <c>_total</c>, units such as <c>_milliseconds</c>), easy to get wrong in prose.
/// </summary>
public sealed partial class MetricNamesTests(RandomCheckpoint checkpoint) : IClassFixture<RandomCheckpoint>
{
    /// <summary>
    /// The experiment family is exported only once a hosted experiment has completed a step (the meter is the
    /// process's, so another test's experiment may show here): it is never missing, but never undocumented either.
    /// </summary>
    private const string ExperimentFamily = "apr_experiment_";

    [Fact]
    public async Task The_readme_lists_exactly_the_apr_metrics_a_serving_silo_exports()
    {
        var documented = DocumentedNames();
        Assert.NotEmpty(documented);

        await using var cluster = await TestCluster.StartAsync(["silo-a"], withEngine: false, storage: "memory", checkpoint: checkpoint.Directory);
        var request = GreedySolves.Of24(maxTokensPerThread: 60);
        await cluster["silo-a"].Solver.SolveAsync(request, SolveEndToEndTests.Deadline());
        using var http = new HttpClient();
        var exported = ExportedNames(await http.GetStringAsync($"http://127.0.0.1:{cluster["silo-a"].HttpPort}/metrics"));

        var missing = documented.Where(n => !n.StartsWith(ExperimentFamily, StringComparison.Ordinal) && !exported.Contains(n)).ToList();
        var undocumented = exported.Where(n => n.StartsWith("apr_", StringComparison.Ordinal) && !documented.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"silo/README.md lists metrics the silo does not export: {string.Join(", ", missing)}; exported: {string.Join(", ", exported.Order())}");
        Assert.True(undocumented.Count == 0, $"the silo exports metrics silo/README.md does not list: {string.Join(", ", undocumented)}");
    }

    /// <summary>Every `apr_…` name in backticks in the README's "## Metrics" section.</summary>
    private static HashSet<string> DocumentedNames()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "silo", "README.md"));
        int start = readme.IndexOf("## Metrics", StringComparison.Ordinal);
        Assert.True(start >= 0, "silo/README.md has no '## Metrics' section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        return [.. DocumentedName().Matches(section).Select(m => m.Groups[1].Value)];
    }

    /// <summary>The metric families of a Prometheus text page (its <c># TYPE</c> lines).</summary>
    private static HashSet<string> ExportedNames(string page) =>
        [.. TypeLine().Matches(page).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"`(apr_[a-z_]+)")]
    private static partial Regex DocumentedName();

    [GeneratedRegex(@"(?m)^# TYPE (\S+) ")]
    private static partial Regex TypeLine();
}
