using AprOrleans.Api;
using AprOrleans.Silo.Hosting;
using AprOrleans.Tests.K8s;
using AprOrleans.Tests.Service.Experiments;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Tests.Service;

/// <summary>
/// The admin token guards weight publishing and experiment control: the silo refuses to start with a guessable one
/// (exit code 2 and one line, through the real process) and, with none, refuses every admin call.
/// </summary>
public class AdminTokenPolicyTests
{
    private const string Generated = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [Theory]
    [InlineData("short-token", "is 11 bytes; it must be at least 32")]
    [InlineData("CHANGE-ME", "is 9 bytes")]
    [InlineData("CHANGE-ME-CHANGE-ME-CHANGE-ME-CHANGE-ME", "placeholder 'change-me'")]
    [InlineData("replace-me-with-a-real-secret-0123456789", "placeholder 'replace-me'")]
    [InlineData("abababababababababababababababababababab", "fewer than 8 distinct characters")]
    [InlineData("9f86d081884c7d659a2feaa0c55ad015 a3bf4f1b2b0b822cd15d6c15b0f00a08", "whitespace")]
    public void A_guessable_token_is_refused_with_the_reason(string token, string reason)
    {
        var refusal = AdminTokenPolicy.Check(token);
        Assert.NotNull(refusal);
        Assert.StartsWith("Apr:AdminToken ", refusal);
        Assert.Contains(reason, refusal);
    }

    [Fact]
    public void A_generated_token_or_none_is_accepted()
    {
        Assert.Null(AdminTokenPolicy.Check(Generated));
        Assert.Null(AdminTokenPolicy.Check(TestCluster.AdminToken));
        Assert.Null(AdminTokenPolicy.Check(null));
    }

    [Theory]
    [InlineData("short-token")]
    [InlineData("CHANGE-ME-CHANGE-ME-CHANGE-ME-CHANGE-ME")]
    public async Task The_silo_process_exits_2_with_one_line_for_a_weak_token(string token)
    {
        var settings = LoopbackSiloSettings.For("weak-token", LoopbackPorts.Free()).ToDictionary(kv => kv.Key.Replace(":", "__"), kv => kv.Value!);
        settings["Apr__Storage"] = "memory";
        settings["Apr__AdminToken"] = token;
        var directory = ContainerRun.MapImagePath("/app/silo/");
        using var silo = new ContainerRun.Running(new ContainerRun.Plan("dotnet", [Path.Combine(directory, "AprOrleans.Silo.dll")], settings), directory);
        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        var line = Assert.Single(silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("silo: Apr:AdminToken ", line);
        Assert.DoesNotContain(token, line);
    }

    [Fact]
    public async Task A_silo_process_without_a_token_refuses_admin_calls()
    {
        var settings = SiloProcess.Settings("no-token-" + Guid.NewGuid().ToString("N")[..8], RepositoryPaths.ShippedCheckpoint, adminToken: null);
        using var silo = await SiloProcess.StartAsync(settings);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{silo.GrpcPort}");
        var calls = new ExperimentCalls(channel, Generated);
        var refused = await Assert.ThrowsAsync<RpcException>(() => calls.CreateAndStartAsync("refused", ExperimentCalls.Config(problemsPerStep: 1, groupSize: 2, maxSteps: 1)));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("no admin token configured", refused.Status.Detail);
        // Reads need no token, and the refused create left nothing behind.
        var missing = await Assert.ThrowsAsync<RpcException>(() => new AprOrleans.Api.Experiments.ExperimentsClient(channel).GetAsync(new ExperimentRef { Name = "refused" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}
