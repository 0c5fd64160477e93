using AprOrleans.Interfaces.Batching;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace AprOrleans.Grains.Placement;

/// <summary>
/// Chooses the active, compatible silo named by the grain key's prefix. When there is none the activation
/// fails with an error naming the silo and listing the ones that exist, so a caller with a typo or a stale
/// pod name learns why at once instead of getting a batcher on the wrong machine.
/// </summary>
public sealed class SiloNamePlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var wanted = BatcherKey.Parse(key).SiloName;
        var members = membership.CurrentSnapshot.Members;
        var compatible = context.GetCompatibleSilos(target);
        foreach (var silo in compatible)
        {
            if (members.TryGetValue(silo, out var member) && member.Status == SiloStatus.Active && member.Name == wanted)
                return Task.FromResult(silo);
        }
        var active = members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).Order(StringComparer.Ordinal);
        throw new SiloNotFoundException(
            $"no active silo named '{wanted}' in the cluster for grain '{key}' (active silos: {string.Join(", ", active)})");
    }
}
