using AprOrleans.Tests.Service;
using AprOrleans.Tests.Service.Experiments;

namespace AprOrleans.Tests.LiveView;

/// <summary>
/// The live view's experiment view on a running experiment (scripted decoders: the subject is the page, not the
/// model), and what the page says when a solve is refused or the silo is gone.
/// </summary>
public sealed class LiveViewExperimentTests
{
    [Fact]
    public async Task Experiment_view_adds_a_point_when_the_trainer_reports_a_step()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], decodersFor: _ => new SearchScriptDecoderFactory());
        var admin = new ExperimentCalls(cluster["silo-a"].Channel, ExperimentCalls.Token);
        var name = "live-" + Guid.NewGuid().ToString("N")[..8];
        await admin.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 2, groupSize: 2, maxSteps: 3));

        using var browser = new HeadlessChromium();
        browser.Open($"http://127.0.0.1:{cluster["silo-a"].HttpPort}/ui/#experiments/{name}");
        await browser.WaitUntilAsync(() => browser.One("#experiment-status").GetDomAttribute("data-status") == "running", "the experiment running");
        await browser.WaitUntilAsync(() => browser.All("svg.chart").Count > 0, "the charts");
        Assert.Equal("0", browser.One("svg.chart[data-metric=rewardMean]").GetDomAttribute("data-points"));
        // The experiments of the cluster are listed (Experiments.List), this one among them, running at step 0.
        await browser.WaitUntilAsync(() => browser.All($"#experiment-list tr[data-name='{name}']").Count == 1, "the experiment in the list");
        Assert.Contains("running", browser.Text($"#experiment-list tr[data-name='{name}']"));

        // A trainer's step: pull step 0's groups, report it. The page hears it through Watch, without a reload.
        var groups = await admin.PullAsync(name, 0);
        Assert.Equal(2, groups.Count);
        await admin.ReportAsync(name, 0, weightVersion: 1);
        await browser.WaitUntilAsync(() => browser.One("svg.chart[data-metric=rewardMean]").GetDomAttribute("data-points") == "1", "a point for step 0");
        Assert.Equal("1", browser.One("#experiment-status").GetDomAttribute("data-step"));
        Assert.Single(browser.All("svg.chart[data-metric=rewardMean] circle.point"));
        browser.Screenshot("experiment-view");
    }

    [Fact]
    public async Task The_page_says_when_a_solve_is_refused_and_when_the_silo_is_unreachable()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"]);
        using var browser = new HeadlessChromium();
        browser.Open($"http://127.0.0.1:{cluster["silo-a"].HttpPort}/ui/#solve");

        // One number is not a Countdown problem: the service's own INVALID_ARGUMENT, shown with its message.
        browser.Type("#numbers", "81");
        browser.One("#solve-button").Click();
        await browser.WaitUntilAsync(() => browser.One("#verdict").GetDomAttribute("data-error") == "INVALID_ARGUMENT", "the refusal");
        Assert.Contains("numbers", browser.Text("#verdict"));
        Assert.Contains("INVALID_ARGUMENT", browser.Text("#banner"));

        // The silo stops: the next solve cannot reach it, and the page says so rather than waiting.
        await cluster.StopSiloAsync("silo-a");
        browser.Type("#numbers", "81 32 77");
        browser.One("#solve-button").Click();
        await browser.WaitUntilAsync(() => browser.One("#banner").GetDomAttribute("data-kind") == "unreachable", "that the silo is unreachable");
        Assert.Contains("unreachable", browser.Text("#banner"));
    }
}
