using AprOrleans.Api;
using AprOrleans.Silo.Api;
using AprOrleans.Silo.Hosting;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AprOrleans.Tests.Service;

/// <summary>
/// Admission control: beyond a silo's limits on solves and budgeted tokens in flight a Solve is refused at once with
/// RESOURCE_EXHAUSTED and a retry hint, and admitted again once earlier solves end.
/// </summary>
public class SolveAdmissionTests
{
    private static SolveAdmission Admission(int solves, long tokens) =>
        new(new SiloSettings { MaxSolvesInFlight = solves, MaxSolveTokensInFlight = tokens });

    [Fact]
    public void Solves_beyond_the_limit_are_refused_until_one_ends()
    {
        var admission = Admission(solves: 2, tokens: 1_000_000);
        var first = admission.Admit(100);
        using var second = admission.Admit(100);
        var refused = Assert.Throws<RpcException>(() => admission.Admit(100));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Apr:MaxSolvesInFlight 2", refused.Status.Detail);
        Assert.Equal("1000", refused.Trailers.GetValue(SolveAdmission.RetryPushbackTrailer));
        first.Dispose();
        first.Dispose(); // a lease is released once however often it is disposed
        Assert.Equal(1, admission.SolvesInFlight);
        using var third = admission.Admit(100);
        Assert.Equal(2, admission.SolvesInFlight);
    }

    [Theory]
    [InlineData(64, 1, 0, 8)]    // one CPU engine of 64 slots (the default): 8 APR trees
    [InlineData(256, 2, 0, 64)]  // two GPUs of 256 slots
    [InlineData(4, 1, 0, 1)]     // never below one
    [InlineData(64, 1, 300, 300)] // an operator's setting wins
    public void The_default_limit_follows_the_engines_slots(int slots, int devices, int configured, int limit)
    {
        var settings = new SiloSettings { EngineSlots = slots, Devices = [.. Enumerable.Range(0, devices).Select(d => $"cuda:{d}")], MaxSolvesInFlight = configured };
        Assert.Equal(limit, settings.SolvesInFlightLimit);
        var admission = new SolveAdmission(settings);
        var leases = Enumerable.Range(0, limit).Select(_ => admission.Admit(100)).ToList();
        Assert.Equal(StatusCode.ResourceExhausted, Assert.Throws<RpcException>(() => admission.Admit(100)).StatusCode);
        leases.ForEach(l => l.Dispose());
    }

    [Fact]
    public void Token_budgets_beyond_the_limit_are_refused()
    {
        var admission = Admission(solves: 100, tokens: 1000);
        using var big = admission.Admit(900);
        var refused = Assert.Throws<RpcException>(() => admission.Admit(200));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("hold 900 of 1000 budgeted tokens", refused.Status.Detail);
        using var small = admission.Admit(100);
        Assert.Equal(1000, admission.TokensInFlight);
    }

    [Fact]
    public async Task Over_grpc_a_solve_beyond_the_limit_is_refused_at_once_and_the_next_is_admitted_after()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], storage: "memory",
            extra: new Dictionary<string, string?> { ["Apr:MaxSolvesInFlight"] = "1" });
        cluster.Decoders.Gate = new SemaphoreSlim(0);
        var solver = cluster["silo-a"].Solver;
        var held = solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline());
        // The first solve is admitted and waits at the gate; the second is refused without waiting for it.
        var admission = cluster["silo-a"].App.Services.GetRequiredService<SolveAdmission>();
        while (admission.SolvesInFlight == 0) await Task.Delay(10);
        var refused = await Assert.ThrowsAsync<RpcException>(() => solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("retry", refused.Status.Detail);
        Assert.Equal("1000", refused.Trailers.GetValue(SolveAdmission.RetryPushbackTrailer));
        Assert.False(held.ResponseAsync.IsCompleted);
        Assert.Equal(1, admission.SolvesInFlight);

        cluster.Decoders.Gate.Release(1000);
        Assert.True((await held.ResponseAsync).Correct);
        Assert.True((await solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline())).Correct);
        Assert.Equal(0, admission.SolvesInFlight);
    }

    [Fact]
    public async Task A_budget_above_the_silos_maximum_is_invalid_and_names_it()
    {
        await using var cluster = await TestCluster.StartAsync(["silo-a"], storage: "memory",
            extra: new Dictionary<string, string?> { ["Apr:MaxSolveTokens"] = "5000", ["Apr:DefaultSolveTokens"] = "4000" });
        var request = SolveEndToEndTests.ValidRequest();
        request.Limits = new Limits { MaxTotalTokens = 5001 };
        var invalid = await Assert.ThrowsAsync<RpcException>(() => cluster["silo-a"].Solver.SolveAsync(request, SolveEndToEndTests.Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal("field 'limits.max_total_tokens': 5001 is outside 1..5000", invalid.Status.Detail);
    }
}
