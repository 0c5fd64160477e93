namespace AprOrleans.Grains.Batching;

/// <summary>The devices this silo drives, one batching grain each (e.g. <c>cpu:0</c>, or <c>cuda:0,cuda:1</c>).</summary>
public sealed class DeviceOptions
{
    public List<string> Devices { get; set; } = ["cpu:0"];
}
