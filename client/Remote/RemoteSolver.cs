using AprOrleans.Api;
using AprOrleans.CommandLine;
using AprOrleans.Countdown.Problems;
using AprOrleans.Reasoning.Runtime;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Client.Remote;

/// <summary>
/// `--silo URL`: the same solve over the service's gRPC API instead of an in-process engine. gRPC errors become
/// one-line CLI errors (INVALID_ARGUMENT names the field).
/// </summary>
public sealed class RemoteSolver(string siloUrl) : IDisposable
{
    // Several HTTP/2 connections when one fills up: `apr eval --silo` keeps many solves in flight.
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(Validate(siloUrl), new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
    });

    private static string Validate(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? url
            : throw new UsageException($"--silo '{url}' is not an http(s) URL (e.g. http://127.0.0.1:5080)");

    public SolveResponse Solve(Problem problem, bool serial, TreeLimits limits, SamplingSettings sampling, TimeSpan timeout)
    {
        var request = new SolveRequest
        {
            Target = problem.Target,
            Mode = serial ? Mode.Serial : Mode.Apr,
            Limits = new Limits
            {
                MaxChildrenPerSpawn = limits.MaxChildrenPerSpawn,
                MaxDepth = limits.MaxDepth,
                MaxTokensPerThread = limits.MaxTokensPerThread,
                MaxTotalTokens = limits.MaxTotalTokens,
            },
            Sampling = new Sampling { Temperature = sampling.Temperature, TopK = sampling.TopK, TopP = sampling.TopP, Seed = sampling.Seed },
        };
        request.Numbers.AddRange(problem.Nums);
        try
        {
            return new Solver.SolverClient(_channel).Solve(request, deadline: DateTime.UtcNow + timeout);
        }
        catch (RpcException e)
        {
            // Every status is one line naming it (a service error is not a crash of the tool).
            throw new UsageException($"silo {siloUrl}: {e.StatusCode}: {e.Status.Detail}");
        }
    }

    public void Dispose() => _channel.Dispose();
}
