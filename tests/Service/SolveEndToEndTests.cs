using AprOrleans.Api;
using AprOrleans.Countdown.Checking;
using AprOrleans.Countdown.Problems;
using Grpc.Core;

namespace AprOrleans.Tests.Service;

/// <summary>Solve over a real gRPC socket (HTTP/2 on loopback) against a silo of the two-silo cluster.</summary>
[Collection(TwoSiloCollection.Name)]
public class SolveEndToEndTests(TwoSiloFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    internal static SolveRequest ValidRequest() => new()
    {
        Numbers = { CountdownScript.Numbers },
        Target = CountdownScript.Target,
        Mode = Mode.Apr,
        Sampling = new Sampling { Temperature = 0 },
    };

    internal static CallOptions Deadline() => new(deadline: DateTime.UtcNow.AddMinutes(2));

    [Fact]
    public void The_scripted_answer_is_a_correct_solution()
    {
        // Guards the test double: the end-to-end assertions below mean something only if this holds.
        Assert.True(SolutionChecker.Check(new Problem(CountdownScript.Numbers, CountdownScript.Target), CountdownScript.RootAnswer).Valid);
    }

    [Theory]
    [InlineData("silo-a")]
    [InlineData("silo-b")]
    public async Task Solve_returns_the_checked_answer_and_the_whole_thread_tree(string silo)
    {
        var response = await Cluster[silo].Solver.SolveAsync(ValidRequest(), Deadline());

        Assert.True(Guid.TryParse(response.SolveId, out _));
        Assert.Equal(CountdownScript.RootAnswer, response.Answer);
        Assert.True(response.Correct, response.CheckDetail);

        var root = response.Root;
        Assert.Equal("0", root.NodeId);
        Assert.Equal(0, root.Level);
        Assert.Equal("FINISHED", root.EndReason);
        Assert.Equal(2, root.Segments);
        Assert.StartsWith("Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53]", root.Prompt);
        Assert.Contains("<Sub Searches>", root.Text);
        var children = Assert.Single(root.Spawns).Children;
        Assert.Equal(["0,0", "0,1"], children.Select(c => c.NodeId));
        Assert.All(children, c => Assert.Equal(1, c.Level));
        Assert.All(children, c => Assert.Equal("FINISHED", c.EndReason));
        Assert.NotEmpty(children[0].Answer);
        Assert.Empty(children[1].Answer);
        Assert.All(children.Append(root), t => Assert.True(t.GeneratedTokens > 0));
        Assert.All(children.Append(root), t => Assert.True(t.StartedUnixMs > 0));

        Assert.Equal(3, response.Totals.Threads);
        Assert.Equal(1, response.Totals.Spawns);
        Assert.Equal(1, response.Totals.MaxLevel);
        Assert.Equal(root.GeneratedTokens + children.Sum(c => c.GeneratedTokens), response.Totals.GeneratedTokens);
        Assert.Equal(root.GeneratedTokens + children.Max(c => c.GeneratedTokens), response.Totals.SequentialTokens);
    }

    [Fact]
    public async Task Solve_decodes_on_the_batcher_of_the_silo_that_took_the_request()
    {
        var batcher = Cluster["silo-b"].Grains.GetGrain<AprOrleans.Interfaces.Batching.IBatchingGrain>("silo-b/cpu:0");
        var before = (await batcher.Describe()).DecodeCalls;
        await Cluster["silo-b"].Solver.SolveAsync(ValidRequest(), Deadline());
        // Root segment, two children, resumed root: four decode requests, all on silo-b's own batcher.
        Assert.Equal(before + 4, (await batcher.Describe()).DecodeCalls);
    }

    [Fact]
    public async Task Serial_mode_ends_a_spawning_thread_at_the_depth_limit()
    {
        var request = ValidRequest();
        request.Mode = Mode.Serial;
        var response = await Cluster["silo-a"].Solver.SolveAsync(request, Deadline());
        Assert.Equal("DEPTH_LIMIT", response.Root.EndReason);
        Assert.Empty(response.Root.Spawns);
        Assert.False(response.Correct);
        Assert.Equal(1, response.Totals.Threads);
    }

    [Fact]
    public async Task SolveStream_streams_every_segment_then_the_result()
    {
        using var call = Cluster["silo-a"].Solver.SolveStream(ValidRequest(), Deadline());
        var events = new List<SolveEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);

        var segments = events.Where(e => e.EventCase == SolveEvent.EventOneofCase.Segment).Select(e => e.Segment).ToList();
        Assert.Equal(SolveEvent.EventOneofCase.Result, events[^1].EventCase);
        Assert.Single(events, e => e.EventCase == SolveEvent.EventOneofCase.Result);
        Assert.Equal(Enumerable.Range(0, 4), segments.Select(s => s.Sequence));
        Assert.Equal("0", segments[0].NodeId);
        Assert.Equal("STOP_TOKEN", segments[0].Stop);
        Assert.False(segments[0].ThreadDone);
        Assert.Equal(["0,0", "0,1"], segments.Skip(1).Take(2).Select(s => s.NodeId).Order());
        Assert.Equal("0", segments[3].NodeId);
        Assert.True(segments[3].ThreadDone);
        Assert.True(events[^1].Result.Correct);
    }

    [Fact]
    public async Task GetSolve_returns_a_finished_solve_and_NOT_FOUND_for_an_unknown_id()
    {
        var solved = await Cluster["silo-a"].Solver.SolveAsync(ValidRequest(), Deadline());
        var again = await Cluster["silo-b"].Solver.GetSolveAsync(new GetSolveRequest { SolveId = solved.SolveId }, Deadline());
        Assert.Equal(solved, again);

        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            Cluster["silo-a"].Solver.GetSolveAsync(new GetSolveRequest { SolveId = Guid.NewGuid().ToString() }, Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Repeating_a_solve_id_returns_the_same_solve()
    {
        var request = ValidRequest();
        request.SolveId = Guid.NewGuid().ToString();
        var first = await Cluster["silo-a"].Solver.SolveAsync(request, Deadline());
        var second = await Cluster["silo-a"].Solver.SolveAsync(request, Deadline());
        Assert.Equal(request.SolveId, first.SolveId);
        Assert.Equal(first, second);

        request.Limits = new Limits { MaxTotalTokens = 1000 };
        var changed = await Assert.ThrowsAsync<RpcException>(() => Cluster["silo-b"].Solver.SolveAsync(request, Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, changed.StatusCode);
        Assert.Equal($"field 'solve_id': solve {request.SolveId} was started with a different request", changed.Status.Detail);
    }

    [Fact]
    public async Task Concurrent_solves_on_both_silos_all_finish_correct()
    {
        var calls = Enumerable.Range(0, 24).Select(i =>
            Cluster[i % 2 == 0 ? "silo-a" : "silo-b"].Solver.SolveAsync(ValidRequest(), Deadline()).ResponseAsync);
        var responses = await Task.WhenAll(calls);
        Assert.All(responses, r => Assert.True(r.Correct));
        Assert.Equal(24, responses.Select(r => r.SolveId).Distinct().Count());
    }

    [Fact]
    public async Task Health_endpoints_answer_on_the_http_port()
    {
        using var http = new HttpClient();
        var silo = Cluster["silo-a"];
        Assert.Equal("ok", await http.GetStringAsync($"http://127.0.0.1:{silo.HttpPort}/healthz"));
        Assert.Equal("Healthy", await http.GetStringAsync($"http://127.0.0.1:{silo.HttpPort}/readyz"));
    }

    /// <summary>
    /// Endpoints are chosen by the port a connection arrived on: through a port-forward or a published container port
    /// (scripts/containers.sh) the Host header names another port and is still answered, and a Host header naming the
    /// HTTP port does not open the HTTP endpoints on the gRPC port.
    /// </summary>
    [Fact]
    public async Task Endpoints_follow_the_port_the_connection_arrived_on_not_the_Host_header()
    {
        using var http = new HttpClient();
        var silo = Cluster["silo-a"];
        using var forwarded = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{silo.HttpPort}/healthz");
        forwarded.Headers.Host = "127.0.0.1:15081";
        using var answered = await http.SendAsync(forwarded);
        Assert.Equal(System.Net.HttpStatusCode.OK, answered.StatusCode);

        using var crossed = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{silo.GrpcPort}/healthz")
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        crossed.Headers.Host = $"127.0.0.1:{silo.HttpPort}";
        using var refused = await http.SendAsync(crossed);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task The_grpc_health_service_reports_serving()
    {
        var health = new Grpc.Health.V1.Health.HealthClient(Cluster["silo-b"].Channel);
        var reply = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), Deadline());
        Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Reflection_lists_the_solver_and_health_services()
    {
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(Cluster["silo-a"].Channel);
        using var call = reflection.ServerReflectionInfo(Deadline());
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("apr.v1.Solver", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }
}
