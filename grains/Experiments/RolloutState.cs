using AprOrleans.Interfaces.Experiments;

namespace AprOrleans.Grains.Experiments;

/// <summary>
/// A rollout grain's persisted state, written once: when the group is finished. Field ids are the storage
/// format: never reuse one. Id 0 held the group's spec, never read (the experiment sends it with every call):
/// retired; states stored with it still read, the serializer skips the field.
/// </summary>
[GenerateSerializer, Alias("apr.RolloutState")]
public sealed class RolloutState
{
    [Id(1)] public RolloutGroupRecord? Group { get; set; }
}
