using AprOrleans.Interfaces.Experiments;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// A rollout grain's persisted state, written once: when the group is finished. Field ids are the storage
/// format: never reuse one.
/// </summary>
[GenerateSerializer, Alias("apr.RolloutState")]
public sealed class RolloutState
{
    [Id(0)] public RolloutSpec? Spec { get; set; }
    [Id(1)] public RolloutGroupRecord? Group { get; set; }
}
