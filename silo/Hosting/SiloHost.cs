using System.Net;
using AprOrleans.Api;
using AprOrleans.Grains.Decoding;
using AprOrleans.Grains.Experiments;
using AprOrleans.Model.Engine;
using AprOrleans.Silo.Api;
using AprOrleans.Silo.Engine;
using AprOrleans.Silo.Experiments;
using AprOrleans.Silo.Health;
using AprOrleans.Silo.LiveView;
using AprOrleans.Storage.Postgres;
using Grpc.AspNetCore.Server.Model;
using Grpc.Reflection;
using Grpc.Reflection.V1Alpha;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Metrics;

namespace AprOrleans.Silo.Hosting;

/// <summary>
/// Builds the silo process: ASP.NET Core with Orleans, the gRPC API on its own HTTP/2 port, and HTTP/1.1 health
/// endpoints on another. Program.cs and the tests build silos the same way; tests add configuration overrides
/// and their own services (e.g. a scripted decoder factory).
/// </summary>
public static class SiloHost
{
    /// <summary>Short command-line switches for the settings an operator changes most.</summary>
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--storage"] = "Apr:Storage",
        ["--connection"] = "Apr:ConnectionString",
        ["--silo-name"] = "Apr:SiloName",
        ["--grpc-port"] = "Apr:GrpcPort",
        ["--http-port"] = "Apr:HttpPort",
        ["--silo-port"] = "Apr:SiloPort",
        ["--gateway-port"] = "Apr:GatewayPort",
    };

    public static async Task<WebApplication> CreateAsync(
        string[] args,
        IEnumerable<KeyValuePair<string, string?>>? overrides = null,
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCommandLine(args, Switches);
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);

        var settings = builder.Configuration.GetSection(SiloSettings.Section).Get<SiloSettings>() ?? new SiloSettings();
        if (settings.Validate() is { } fault) throw new SiloConfigurationException(fault);
        // Process-wide, before any engine starts: every batcher's engine thread uses this pool.
        if (settings.TorchThreads > 0) TorchSharp.torch.set_num_threads(settings.TorchThreads);

        // Loaded here, not inside Kestrel's callback, so that a bad file stops the silo with exit code 2 and one line.
        var grpcCertificate = string.IsNullOrEmpty(settings.GrpcTlsCertificate)
            ? null
            : ClusterCertificate.Load(settings.GrpcTlsCertificate, settings.GrpcTlsKey!, "GrpcTls");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var ip = IPAddress.Parse(settings.ListenAddress);
            // A Solve is a long-lived stream (it polls its solve grain until the tree is done): allow many per
            // connection, so a client with hundreds of solves in flight is not stalled at Kestrel's default 100.
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            // Weight uploads stream up to gigabytes: Kestrel's default flow-control windows (96/128 KiB) would make
            // the client wait for a window update every 96 KiB, which caps the upload rate well below the disk's.
            kestrel.Limits.Http2.InitialStreamWindowSize = 8 << 20;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 16 << 20;
            kestrel.Listen(ip, settings.GrpcPort, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                if (grpcCertificate is not null) o.UseHttps(grpcCertificate);
            });
            kestrel.Listen(ip, settings.HttpPort, o => o.Protocols = HttpProtocols.Http1);
        });
        // The host's shutdown timeout bounds every hosted service's StopAsync, the Orleans silo's included (default 30 s is
        // too short to hand off grains under load); Kubernetes' grace period is set above it (k8s/base/silo.yaml).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.ShutdownTimeoutSeconds));
        builder.UseOrleans(silo => OrleansSetup.Configure(silo, settings));
        builder.Services.AddGrpc(o =>
        {
            // A silo dying under a call is UNAVAILABLE (retry), not UNKNOWN.
            o.Interceptors.Add<ClusterFaultInterceptor>();
            // Requests are a handful of numbers; anything near this size is an abuse (answered RESOURCE_EXHAUSTED by gRPC).
            o.MaxReceiveMessageSize = 1 << 20;
        }).AddServiceOptions<WeightsService>(o => o.MaxReceiveMessageSize = 2 * WeightUpload.MaxChunkBytes); // 1 MiB weight chunks plus framing
        builder.Services.AddGrpc().AddServiceOptions<SolverService>(o => o.MaxReceiveMessageSize = SolverMethodProvider.TransportLimitBytes);
        builder.Services.AddSingleton<IServiceMethodProvider<SolverService>, SolverMethodProvider>();
        builder.Services.AddSingleton<IServiceMethodProvider<ExperimentsService>, ExperimentsMethodProvider>();
        builder.Services.AddSingleton<IServiceMethodProvider<RolloutsService>, RolloutsMethodProvider>();
        // Reflection lists the services by descriptor: they are bound by hand, so name the descriptors here.
        builder.Services.AddSingleton(new ReflectionServiceImpl(Solver.Descriptor, AprOrleans.Api.Experiments.Descriptor, Rollouts.Descriptor,
            AprOrleans.Api.Weights.Descriptor, Grpc.Health.V1.Health.Descriptor, ServerReflection.Descriptor));
        builder.Services.AddGrpcHealthChecks().AddCheck<SiloReadyCheck>("silo");
        // Metrics for Prometheus at /metrics on the HTTP port: the engines', the API's and Orleans' own meters.
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(EngineMetrics.MeterName, SolveMetrics.MeterName, ExperimentMetrics.MeterName, "Microsoft.Orleans")
            .AddPrometheusExporter());
        // The real engine; tests replace it by registering their own factory in `services`.
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<IDecoderFactory, TorchEngineDecoderFactory>();
        builder.Services.AddSingleton<AdminAuthorization>();
        builder.Services.AddSingleton<SolveAdmission>();
        builder.Services.AddSingleton<ServedTensorLayout>();
        builder.Services.AddSingleton<IWeightVersionSource, RegistryWeightVersion>();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        // The endpoints below are told apart by port (RequireHost "*:PORT"); the port is the one the connection arrived
        // on, not the one the client's Host header names: through a port-forward, a NodePort or a published container
        // port (scripts/containers.sh) the header names another port, and a header is the client's to choose.
        app.Use((context, next) =>
        {
            var host = context.Request.Host.HasValue ? context.Request.Host.Host : "localhost";
            context.Request.Host = new HostString(host, context.Connection.LocalPort);
            return next(context);
        });
        app.UseRouting();
        string grpcHost = $"*:{settings.GrpcPort}", httpHost = $"*:{settings.HttpPort}";
        app.MapGrpcService<SolverService>().RequireHost(grpcHost);
        app.MapGrpcService<ExperimentsService>().RequireHost(grpcHost);
        app.MapGrpcService<RolloutsService>().RequireHost(grpcHost);
        app.MapGrpcService<WeightsService>().RequireHost(grpcHost);
        app.MapGrpcService<ReflectionServiceImpl>().RequireHost(grpcHost);
        app.MapGrpcHealthChecksService().RequireHost(grpcHost);
        // Liveness: the process answers. Readiness: the silo has started. Neither calls a grain.
        app.MapGet("/healthz", () => Results.Text("ok")).RequireHost(httpHost);
        app.MapHealthChecks("/readyz").RequireHost(httpHost);
        app.MapPrometheusScrapingEndpoint("/metrics").RequireHost(httpHost);
        if (settings.LiveView) app.MapLiveView(httpHost);

        if (settings.Storage == StorageModes.Postgres && settings.MigrateOnStart)
            await PostgresSchema.ApplyAsync(settings.ConnectionString!, cancellationToken);
        return app;
    }
}

/// <summary>The silo's configuration is unusable; the message says which setting and why.</summary>
public sealed class SiloConfigurationException(string message) : Exception(message);
