using AprOrleans.Api;
using AprOrleans.CommandLine;
using AprOrleans.Interfaces.Admin;
using Grpc.Core;
using Grpc.Net.Client;

namespace AprOrleans.Client.Remote;

/// <summary>
/// `apr experiment …` over a silo's Experiments API. Control calls carry the admin token; every gRPC error the
/// user can act on (bad field, no or wrong token, unknown name, wrong state, silo unreachable) becomes a
/// one-line CLI error. With a retry window, a call the silo cannot take yet (UNAVAILABLE: no silo up or ready, e.g.
/// for a Kubernetes Job that starts beside the silos; DEADLINE_EXCEEDED: no answer, e.g. where a network drops
/// packets to a Service without endpoints) is repeated until the window ends; every call is safe to repeat (Create
/// of the same config, Start, Pause and Resume are no-ops the second time; the rest only read).
/// </summary>
public sealed class RemoteExperiments(string siloUrl, string? token, TimeSpan retryFor = default, TextWriter? retryLog = null) : IDisposable
{
    public const string TokenVariable = "APR_ADMIN_TOKEN";

    /// <summary>Longest pause between two tries: a silo that has just become ready is found within this.</summary>
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(5);

    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(
        Uri.TryCreate(siloUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? siloUrl
            : throw new UsageException($"--silo '{siloUrl}' is not an http(s) URL (e.g. http://127.0.0.1:5080)"),
        // The channel's own reconnect backoff grows to 2 minutes by default, which would outlast a short retry window.
        new GrpcChannelOptions { MaxReconnectBackoff = MaxRetryPause });

    private AprOrleans.Api.Experiments.ExperimentsClient Client => new(_channel);

    public Experiment Create(string name, ExperimentConfig config) =>
        Call(() => Client.Create(new CreateExperimentRequest { Name = name, Config = config }, Admin(), Deadline()));

    public Experiment Start(string name) => Call(() => Client.Start(new ExperimentRef { Name = name }, Admin(), Deadline()));

    public Experiment Pause(string name) => Call(() => Client.Pause(new ExperimentRef { Name = name }, Admin(), Deadline()));

    /// <summary>Deletes the experiment and its stored groups (a long run's thousands of groups take a while: 10 minutes allowed).</summary>
    public Experiment Delete(string name) => Call(() => Client.Delete(new ExperimentRef { Name = name }, Admin(), DateTime.UtcNow.AddMinutes(10)));

    public Experiment Resume(string name) => Call(() => Client.Resume(new ExperimentRef { Name = name }, Admin(), Deadline()));

    public Experiment Get(string name) => Call(() => Client.Get(new ExperimentRef { Name = name }, deadline: Deadline()));

    /// <summary>Every experiment the silo's service holds, sorted by name.</summary>
    public ExperimentList List() => Call(() => Client.List(new ListExperimentsRequest(), deadline: Deadline()));

    public ExperimentHistory History(string name) => Call(() => Client.GetHistory(new ExperimentRef { Name = name }, deadline: Deadline()));

    /// <summary>Calls <paramref name="onChange"/> with the state and every change until it returns false or the stream ends.</summary>
    public void Watch(string name, Func<Experiment, bool> onChange, CancellationToken cancellationToken) => Call(() =>
    {
        using var call = Client.Watch(new ExperimentRef { Name = name }, cancellationToken: cancellationToken);
        while (call.ResponseStream.MoveNext(cancellationToken).GetAwaiter().GetResult())
        {
            if (!onChange(call.ResponseStream.Current)) break;
        }
        return 0;
    });

    private Metadata Admin() =>
        string.IsNullOrEmpty(token)
            ? throw new UsageException($"this call needs the silo's admin token: pass --token or set {TokenVariable}")
            : AdminMetadata.For(token);

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(60);

    private T Call<T>(Func<T> call)
    {
        var giveUp = DateTime.UtcNow + retryFor;
        var pause = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                return call();
            }
            catch (RpcException e) when (e.StatusCode is (StatusCode.Unavailable or StatusCode.DeadlineExceeded) && DateTime.UtcNow < giveUp)
            {
                // The last try comes at the end of the window, not a pause before it.
                var wait = TimeSpan.FromTicks(Math.Min(pause.Ticks, (giveUp - DateTime.UtcNow).Ticks));
                retryLog?.WriteLine($"apr: silo {siloUrl}: {e.StatusCode}: {e.Status.Detail}; retrying in {wait.TotalSeconds:F1} s");
                if (wait > TimeSpan.Zero) Thread.Sleep(wait);
                pause = TimeSpan.FromTicks(Math.Min(MaxRetryPause.Ticks, pause.Ticks * 2));
            }
            catch (RpcException e) when (e.StatusCode is not (StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled))
            {
                throw new UsageException($"silo {siloUrl}: {e.StatusCode}: {e.Status.Detail}");
            }
        }
    }

    public void Dispose() => _channel.Dispose();
}
