using System.Reflection;

namespace AprOrleans.Tests;

/// <summary>
/// The layers the design names (docs/design.md §2): the task and the reasoning runtime hold no tensors and no Orleans,
/// the grains reach the engine only through the runtime's decoder contract, never TorchSharp or the model, and the
/// contracts (interfaces/) depend on no other project and do no storage, file-system or network work.
/// </summary>
public class LayeringTests
{
    [Theory]
    [InlineData(typeof(AprOrleans.Grains.SolveGrainMarker), new[] { "TorchSharp", "AprOrleans.Model" })]
    [InlineData(typeof(AprOrleans.Reasoning.Runtime.SpawnJoinRuntime), new[] { "TorchSharp", "AprOrleans.Model", "Orleans" })]
    [InlineData(typeof(AprOrleans.Countdown.Problems.Problem), new[] { "TorchSharp", "AprOrleans.Model", "AprOrleans.Reasoning", "Orleans" })]
    [InlineData(typeof(AprOrleans.Interfaces.Weights.WeightVersionInfo), new[] { "AprOrleans", "Npgsql", "Grpc.Net", "TorchSharp" })]
    [InlineData(typeof(AprOrleans.CommandLine.UsageException), new[] { "TorchSharp", "AprOrleans.Model", "AprOrleans.Reasoning", "AprOrleans.Countdown", "Orleans" })]
    public void An_assembly_references_none_of_the_layers_above_it(Type member, string[] forbidden)
    {
        var references = member.Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(references);
        foreach (var prefix in forbidden)
            Assert.DoesNotContain(references, name => name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal));
    }

    [Fact]
    public void The_contracts_hold_no_storage_file_or_network_code()
    {
        // The assembly check above misses what the base library offers (files, sockets, P/Invoke), so the sources are read.
        var sources = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "interfaces"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var text = File.ReadAllText(source);
            foreach (var word in new[] { "Npgsql", "AprOrleans.Storage", "System.IO", "File.", "FileStream", "Directory.", "DllImport", "HttpClient", "Socket", "CallInvoker" })
                Assert.False(text.Contains(word, StringComparison.Ordinal), $"{Path.GetRelativePath(RepositoryPaths.Root, source)} mentions {word}");
        }
    }

    [Fact]
    public void The_model_builds_on_the_reasoning_runtime()
    {
        var model = typeof(AprOrleans.Model.Engine.DecodeEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name);
        Assert.Contains("AprOrleans.Reasoning", model);
        Assert.Contains("TorchSharp", model);
    }

    [Fact]
    public void The_engine_scheduler_holds_no_tensors()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "model", "Engine", "Scheduling");
        var sources = Directory.GetFiles(folder, "*.cs");
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var text = File.ReadAllText(source);
            foreach (var tensorWord in new[] { "TorchSharp", "torch.", "Tensor", "AprOrleans.Model.Inference", "AprOrleans.Model.Network" })
                Assert.False(text.Contains(tensorWord, StringComparison.Ordinal), $"{Path.GetFileName(source)} mentions {tensorWord}");
        }
        var scheduling = typeof(AprOrleans.Model.Engine.Scheduling.PageLedger).Assembly.GetTypes()
            .Where(t => t.Namespace == "AprOrleans.Model.Engine.Scheduling").ToList();
        Assert.NotEmpty(scheduling);
        foreach (var type in scheduling)
        {
            var members = type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Select(f => f.FieldType)
                .Concat(type.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                    .SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)));
            Assert.DoesNotContain(members, m => m.FullName?.Contains("TorchSharp", StringComparison.Ordinal) == true);
        }
    }
}
