using Orleans.Placement;
using Orleans.Runtime;

namespace AprOrleans.Grains.Placement;

/// <summary>
/// Places a string-keyed grain on the silo whose name is the key's prefix (<c>"{siloName}/…"</c>). Used for
/// batching grains: each must live next to the device it drives. Silo name = pod name in Kubernetes.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("apr.SiloNamePlacement")]
public sealed class SiloNamePlacement : PlacementStrategy
{
    internal static readonly SiloNamePlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloNamePlacementAttribute() : PlacementAttribute(SiloNamePlacement.Instance);
