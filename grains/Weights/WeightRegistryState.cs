using AprOrleans.Interfaces.Weights;

namespace AprOrleans.Grains.Weights;

/// <summary>The registry's persisted state: the current version (null until the first publish = version 0).</summary>
[GenerateSerializer, Alias("apr.WeightRegistryState")]
public sealed class WeightRegistryState
{
    [Id(0)] public WeightVersionInfo? Current { get; set; }
}
