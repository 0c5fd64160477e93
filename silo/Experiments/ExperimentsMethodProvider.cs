using AprOrleans.Api;
using AprOrleans.Silo.Api;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using static AprOrleans.Silo.Api.StrictMarshallers;

namespace AprOrleans.Silo.Experiments;

/// <summary>Binds the Experiments methods by hand, like <see cref="SolverMethodProvider"/>: malformed request bytes are INVALID_ARGUMENT.</summary>
public sealed class ExperimentsMethodProvider : IServiceMethodProvider<ExperimentsService>
{
    private static readonly string ServiceName = AprOrleans.Api.Experiments.Descriptor.FullName;

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<ExperimentsService> context)
    {
        context.AddUnaryMethod(Method<CreateExperimentRequest, Experiment>(MethodType.Unary, ServiceName, "Create"), [], (s, r, c) => s.Create(r, c));
        context.AddUnaryMethod(Method<ExperimentRef, Experiment>(MethodType.Unary, ServiceName, "Start"), [], (s, r, c) => s.Start(r, c));
        context.AddUnaryMethod(Method<ExperimentRef, Experiment>(MethodType.Unary, ServiceName, "Pause"), [], (s, r, c) => s.Pause(r, c));
        context.AddUnaryMethod(Method<ExperimentRef, Experiment>(MethodType.Unary, ServiceName, "Delete"), [], (s, r, c) => s.Delete(r, c));
        context.AddUnaryMethod(Method<ExperimentRef, Experiment>(MethodType.Unary, ServiceName, "Resume"), [], (s, r, c) => s.Resume(r, c));
        context.AddUnaryMethod(Method<ExperimentRef, Experiment>(MethodType.Unary, ServiceName, "Get"), [], (s, r, c) => s.Get(r, c));
        context.AddServerStreamingMethod(Method<ExperimentRef, Experiment>(MethodType.ServerStreaming, ServiceName, "Watch"), [], (s, r, w, c) => s.Watch(r, w, c));
        context.AddUnaryMethod(Method<ExperimentRef, ExperimentHistory>(MethodType.Unary, ServiceName, "GetHistory"), [], (s, r, c) => s.GetHistory(r, c));
        context.AddUnaryMethod(Method<ListExperimentsRequest, ExperimentList>(MethodType.Unary, ServiceName, "List"), [], (s, r, c) => s.List(r, c));
    }
}

/// <summary>Binds the Rollouts methods by hand: malformed request bytes are INVALID_ARGUMENT.</summary>
public sealed class RolloutsMethodProvider : IServiceMethodProvider<RolloutsService>
{
    private static readonly string ServiceName = Rollouts.Descriptor.FullName;

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<RolloutsService> context)
    {
        context.AddServerStreamingMethod(Method<PullGroupsRequest, PullEvent>(MethodType.ServerStreaming, ServiceName, "PullGroups"), [], (s, r, w, c) => s.PullGroups(r, w, c));
        context.AddUnaryMethod(Method<StepReport, Experiment>(MethodType.Unary, ServiceName, "ReportStep"), [], (s, r, c) => s.ReportStep(r, c));
    }
}
