using AprOrleans.Api;
using AprOrleans.Tests.Service;

namespace AprOrleans.Tests.LiveView;

/// <summary>
/// The live view in a real browser against a two-silo cluster running the shipped checkpoint on the real engine:
/// a solve's threads appear as they run, the verdict is the service's own, and the cluster view lists the batchers
/// of both silos.
/// </summary>
public sealed class LiveViewSolveTests
{
    private static readonly int[] Numbers = [81, 32, 77];
    private const int Target = 36;

    [Fact]
    public async Task Solve_view_shows_child_threads_before_the_parent_finishes_then_the_services_verdict()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a", "silo-b"], withEngine: false, checkpoint: RepositoryPaths.ShippedCheckpoint);
        using var browser = new HeadlessChromium();
        // The page of the second silo: its solve may run on either silo's grains and batcher.
        browser.Open($"http://127.0.0.1:{cluster["silo-b"].HttpPort}/ui/#solve");
        browser.Type("#numbers", string.Join(' ', Numbers));
        browser.Type("#target", Target.ToString());
        browser.Type("#temperature", "0");
        browser.One("#solve-button").Click();

        await browser.WaitUntilAsync(() => browser.One("#verdict").GetDomAttribute("data-arrival") is not null, "the solve's verdict");
        browser.Screenshot("solve-view");

        var root = browser.One(".thread.root");
        int rootDone = int.Parse(root.GetDomAttribute("data-done-at")!);
        int verdictArrival = int.Parse(browser.One("#verdict").GetDomAttribute("data-arrival")!);
        var childArrivals = browser.All(".thread.child")
            .Select(c => c.GetDomAttribute("data-first-segment"))
            .Where(a => a is not null)
            .Select(a => int.Parse(a!))
            .ToList();
        Assert.True(childArrivals.Count(a => a < rootDone) >= 2,
            $"expected two or more child threads running before the parent's last segment ({rootDone}); children arrived at {string.Join(", ", childArrivals)}");
        Assert.True(rootDone < verdictArrival);

        // The page's verdict is the service's: the same greedy request over gRPC gives the same answer and check.
        var request = new SolveRequest { Target = Target, Mode = Mode.Apr, Sampling = new Sampling { Temperature = 0 } };
        request.Numbers.AddRange(Numbers);
        var expected = await cluster["silo-a"].Solver.SolveAsync(request, SolveEndToEndTests.Deadline());
        Assert.Equal(expected.Correct.ToString().ToLowerInvariant(), browser.One("#verdict").GetDomAttribute("data-correct"));
        if (expected.Answer.Length > 0) Assert.Contains(expected.Answer, browser.One("#verdict .answer").GetDomProperty("textContent"));
        Assert.Equal(expected.Totals.Threads, browser.All(".thread").Count);

        // Serial mode: one thread, no spawn, and again the service's verdict.
        browser.One("#mode option[value=MODE_SERIAL]").Click();
        browser.One("#solve-button").Click();
        await browser.WaitUntilAsync(() => browser.All(".thread.root").Count == 1 && browser.One("#verdict").GetDomAttribute("data-arrival") is not null, "the serial solve's verdict");
        Assert.Empty(browser.All(".thread.child"));
        request.Mode = Mode.Serial;
        var serial = await cluster["silo-a"].Solver.SolveAsync(request, SolveEndToEndTests.Deadline());
        Assert.Equal(serial.Correct.ToString().ToLowerInvariant(), browser.One("#verdict").GetDomAttribute("data-correct"));

        // The cluster view: one batcher per silo, each serving the configured checkpoint (version 0), with its engine's load.
        browser.Open($"http://127.0.0.1:{cluster["silo-b"].HttpPort}/ui/#cluster");
        await browser.WaitUntilAsync(() => browser.All("#batchers tbody tr").Count == 2, "both silos' batchers");
        var rows = browser.All("#batchers tbody tr").Select(r => r.GetDomAttribute("data-batcher")).OrderBy(b => b).ToList();
        Assert.Equal(["silo-a/cpu:0", "silo-b/cpu:0"], rows);
        Assert.All(browser.All("#batchers tbody tr"), row => Assert.Contains("v0", row.Text));
        Assert.Contains("2 silos", browser.Text("#cluster-summary"));
        browser.Screenshot("cluster-view");
    }
}
