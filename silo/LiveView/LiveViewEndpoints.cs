using AprOrleans.Api;
using AprOrleans.Silo.Api;
using AprOrleans.Silo.Experiments;
using Microsoft.AspNetCore.Http;

namespace AprOrleans.Silo.LiveView;

/// <summary>
/// The live view on the silo's HTTP port: the page at <c>/ui/</c> and the calls it makes under <c>/ui/api/</c>, each
/// one a gRPC handler run through <see cref="GrpcBridge"/> (Solver.SolveStream, Experiments.List/Get/GetHistory/Watch,
/// Weights.ListServing). Nothing here needs the admin token, and nothing here can change an experiment.
/// </summary>
public static class LiveViewEndpoints
{
    public static void MapLiveView(this WebApplication app, string httpHost)
    {
        var files = new LiveViewFiles(LiveViewFiles.ShippedFolder);
        var ui = app.MapGroup("/ui").RequireHost(httpHost);
        ui.MapGet("/", (HttpContext http) => ServeIndexAsync(http, files));
        ui.MapGet("/{name}", (HttpContext http, string name) => files.ServeAsync(http, name));

        var api = ui.MapGroup("/api");
        api.MapPost("/solve", SolveStreamAsync);
        api.MapGet("/experiments", ListExperimentsAsync);
        api.MapGet("/experiments/{name}", GetExperimentAsync);
        api.MapGet("/experiments/{name}/history", GetHistoryAsync);
        api.MapGet("/experiments/{name}/watch", WatchExperimentAsync);
        api.MapGet("/cluster", ListServingAsync);
    }

    /// <summary>The page at <c>/ui/</c>; <c>/ui</c> redirects there, so the page's relative links resolve under <c>/ui/</c>.</summary>
    private static Task ServeIndexAsync(HttpContext http, LiveViewFiles files)
    {
        if (http.Request.Path.Value?.EndsWith('/') == true) return files.ServeAsync(http, "index.html");
        http.Response.Redirect("/ui/");
        return Task.CompletedTask;
    }

    private static Task SolveStreamAsync(HttpContext http) =>
        GrpcBridge.StreamAsync<SolveEvent>(http, "/apr.v1.Solver/SolveStream", async (stream, call) =>
            await Service<SolverService>(http).SolveStream(await GrpcBridge.ReadRequestAsync<SolveRequest>(http), stream, call));

    private static Task ListExperimentsAsync(HttpContext http) =>
        GrpcBridge.UnaryAsync(http, "/apr.v1.Experiments/List", call => Service<ExperimentsService>(http).List(new ListExperimentsRequest(), call));

    private static Task GetExperimentAsync(HttpContext http, string name) =>
        GrpcBridge.UnaryAsync(http, "/apr.v1.Experiments/Get", call => Service<ExperimentsService>(http).Get(new ExperimentRef { Name = name }, call));

    private static Task GetHistoryAsync(HttpContext http, string name) =>
        GrpcBridge.UnaryAsync(http, "/apr.v1.Experiments/GetHistory", call => Service<ExperimentsService>(http).GetHistory(new ExperimentRef { Name = name }, call));

    private static Task WatchExperimentAsync(HttpContext http, string name) =>
        GrpcBridge.StreamAsync<Experiment>(http, "/apr.v1.Experiments/Watch", (stream, call) =>
            Service<ExperimentsService>(http).Watch(new ExperimentRef { Name = name }, stream, call));

    private static Task ListServingAsync(HttpContext http) =>
        GrpcBridge.UnaryAsync(http, "/apr.v1.Weights/ListServing", call => Service<WeightsService>(http).ListServing(new ListServingRequest(), call));

    /// <summary>A handler instance as gRPC makes one per call: constructed from the request's services.</summary>
    private static T Service<T>(HttpContext http) where T : class => ActivatorUtilities.CreateInstance<T>(http.RequestServices);
}
