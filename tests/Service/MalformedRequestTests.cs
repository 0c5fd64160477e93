using AprOrleans.Api;
using AprOrleans.Silo.Api;
using Google.Protobuf;
using Grpc.Core;

namespace AprOrleans.Tests.Service;

/// <summary>Bad input gets INVALID_ARGUMENT naming the field, and a flood of it leaves the silo serving.</summary>
[Collection(TwoSiloCollection.Name)]
public class MalformedRequestTests(TwoSiloFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    /// <summary>A malformed request and the field its error must name.</summary>
    private static (SolveRequest Request, string Field) Malformed(Random random, int kind)
    {
        var r = SolveEndToEndTests.ValidRequest();
        switch (kind)
        {
            case 0: r.Numbers.Clear(); return (r, "numbers");
            case 1: r.Numbers.Clear(); r.Numbers.Add(random.Next(1, 101)); return (r, "numbers");
            case 2: r.Numbers.Clear(); r.Numbers.Add(Enumerable.Range(0, random.Next(7, 51)).Select(_ => random.Next(1, 101))); return (r, "numbers");
            case 3: r.Numbers.Add(Enumerable.Range(0, random.Next(10_000, 100_000)).Select(_ => random.Next())); return (r, "numbers");
            case 4: { int i = random.Next(4); r.Numbers[i] = -random.Next(1, int.MaxValue); return (r, $"numbers[{i}]"); }
            case 5: { int i = random.Next(4); r.Numbers[i] = 0; return (r, $"numbers[{i}]"); }
            case 6: { int i = random.Next(4); r.Numbers[i] = random.Next(101, int.MaxValue); return (r, $"numbers[{i}]"); }
            case 7: r.Target = -random.Next(0, int.MaxValue); return (r, "target");
            case 8: r.Target = random.Next(1001, int.MaxValue); return (r, "target");
            case 9: r.Mode = (Mode)random.Next(3, 1000); return (r, "mode");
            case 10: r.Limits = new Limits { MaxDepth = random.Next(2) == 0 ? -random.Next(1, 100) : random.Next(5, int.MaxValue) }; return (r, "limits.max_depth");
            case 11: r.Limits = new Limits { MaxTotalTokens = random.Next(2) == 0 ? 0 : random.Next(262_145, int.MaxValue) }; return (r, "limits.max_total_tokens");
            case 12: r.Limits = new Limits { MaxTokensPerThread = random.Next(-1000, 16) }; return (r, "limits.max_tokens_per_thread");
            case 13: r.Limits = new Limits { MaxChildrenPerSpawn = random.Next(2) == 0 ? 0 : random.Next(11, 100_000) }; return (r, "limits.max_children_per_spawn");
            case 14: r.Limits = new Limits { MaxSpawnsPerThread = random.Next(2) == 0 ? -1 : random.Next(17, 1000) }; return (r, "limits.max_spawns_per_thread");
            case 15: r.Sampling = new Sampling { Temperature = new[] { float.NaN, float.PositiveInfinity, -0.5f, 10.5f, -1e30f }[random.Next(5)] }; return (r, "sampling.temperature");
            case 16: r.Sampling = new Sampling { TopP = new[] { 0f, -0.1f, 1.01f, float.NaN, 1e9f }[random.Next(5)] }; return (r, "sampling.top_p");
            case 17: r.Sampling = new Sampling { TopK = random.Next(2) == 0 ? -random.Next(1, 100) : random.Next(1001, 1_000_000) }; return (r, "sampling.top_k");
            case 18: r.SolveId = Junk(random); return (r, "solve_id");
            default: r.Mode = Mode.Serial; r.Limits = new Limits { MaxDepth = random.Next(1, 5) }; return (r, "limits.max_depth");
        }
    }

    private static string Junk(Random random)
    {
        var chars = Enumerable.Range(0, random.Next(1, 200)).Select(_ => (char)random.Next(0x20, 0x2FF)).ToArray();
        var text = new string(chars);
        return Guid.TryParse(text, out _) ? text + "!" : text;
    }

    [Fact]
    public async Task A_thousand_malformed_requests_each_get_INVALID_ARGUMENT_naming_the_field_and_the_silo_still_answers()
    {
        var random = new Random(20251125);
        var solver = Cluster["silo-a"].Solver;
        for (int n = 0; n < 1000; n++)
        {
            var (request, field) = Malformed(random, n % 20);
            var error = await Assert.ThrowsAsync<RpcException>(() => solver.SolveAsync(request, SolveEndToEndTests.Deadline()).ResponseAsync);
            Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"request {n} ({field}): {error.Status}");
            Assert.StartsWith($"field '{field}': ", error.Status.Detail);
        }

        var valid = await solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline());
        Assert.True(valid.Correct);
    }

    [Fact]
    public async Task Malformed_streaming_and_lookup_requests_are_refused_the_same_way()
    {
        var solver = Cluster["silo-b"].Solver;
        var request = SolveEndToEndTests.ValidRequest();
        request.Target = 5000;
        using var stream = solver.SolveStream(request, SolveEndToEndTests.Deadline());
        var streamed = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.InvalidArgument, streamed.StatusCode);
        Assert.StartsWith("field 'target': ", streamed.Status.Detail);

        foreach (var id in new[] { "", "not-a-uuid", new string('x', 5000) })
        {
            var lookup = await Assert.ThrowsAsync<RpcException>(() =>
                solver.GetSolveAsync(new GetSolveRequest { SolveId = id }, SolveEndToEndTests.Deadline()).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, lookup.StatusCode);
            Assert.StartsWith("field 'solve_id': ", lookup.Status.Detail);
        }
    }

    [Fact]
    public async Task Bytes_that_are_not_a_SolveRequest_are_refused_and_the_silo_still_answers()
    {
        var random = new Random(7);
        var method = new Method<byte[], byte[]>(MethodType.Unary, "apr.v1.Solver", "Solve",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var invoker = Cluster["silo-a"].Channel.CreateCallInvoker();
        for (int n = 0; n < 50; n++)
        {
            var junk = new byte[random.Next(1, 4096)];
            random.NextBytes(junk);
            var error = await Assert.ThrowsAsync<RpcException>(() =>
                invoker.AsyncUnaryCall(method, null, SolveEndToEndTests.Deadline(), junk).ResponseAsync);
            Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"junk {n}: {error.Status}");
        }
        var valid = await Cluster["silo-a"].Solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline());
        Assert.True(valid.Correct);
    }

    [Fact]
    public async Task An_oversized_message_is_invalid_and_names_the_request()
    {
        var request = SolveEndToEndTests.ValidRequest();
        request.SolveId = new string('a', 2 << 20);
        Assert.True(request.CalculateSize() > StrictMarshallers.MaxRequestBytes);
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Cluster["silo-a"].Solver.SolveAsync(request, SolveEndToEndTests.Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("field 'request'", error.Status.Detail);
        var valid = await Cluster["silo-a"].Solver.SolveAsync(SolveEndToEndTests.ValidRequest(), SolveEndToEndTests.Deadline());
        Assert.True(valid.Correct);
    }

    [Fact]
    public async Task A_message_over_the_transport_limit_is_refused_before_it_is_read()
    {
        var request = SolveEndToEndTests.ValidRequest();
        request.SolveId = new string('a', SolverMethodProvider.TransportLimitBytes + 1);
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Cluster["silo-a"].Solver.SolveAsync(request, SolveEndToEndTests.Deadline()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }
}
