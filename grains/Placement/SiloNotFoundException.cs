namespace AprOrleans.Grains.Placement;

/// <summary>A grain key names a silo that is not an active member of the cluster.</summary>
[GenerateSerializer, Alias("apr.SiloNotFoundException")]
public sealed class SiloNotFoundException : Exception
{
    public SiloNotFoundException(string message) : base(message) { }
}
