using System.Reflection;

namespace AprOrleans.Tests;

/// <summary>
/// The layers the design names (docs/design.md §2): the task and the reasoning runtime hold no tensors and no Orleans,
/// and the grains reach the engine only through the runtime's decoder contract, never TorchSharp or the model.
/// </summary>
public class LayeringTests
{
    [Theory]
    [InlineData(typeof(AprOrleans.Grains.SolveGrainMarker), new[] { "TorchSharp", "AprOrleans.Model" })]
    [InlineData(typeof(AprOrleans.Reasoning.Runtime.SpawnJoinRuntime), new[] { "TorchSharp", "AprOrleans.Model", "Orleans" })]
    [InlineData(typeof(AprOrleans.Countdown.Problems.Problem), new[] { "TorchSharp", "AprOrleans.Model", "AprOrleans.Reasoning", "Orleans" })]
    public void An_assembly_references_none_of_the_layers_above_it(Type member, string[] forbidden)
    {
        var references = member.Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(references);
        foreach (var prefix in forbidden)
            Assert.DoesNotContain(references, name => name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal));
    }

    [Fact]
    public void The_model_builds_on_the_reasoning_runtime()
    {
        var model = typeof(AprOrleans.Model.Engine.DecodeEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name);
        Assert.Contains("AprOrleans.Reasoning", model);
        Assert.Contains("TorchSharp", model);
    }
}
