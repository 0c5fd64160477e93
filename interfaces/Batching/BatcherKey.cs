namespace AprOrleans.Interfaces.Batching;

/// <summary>
/// A batching grain's key, <c>"{siloName}/{device}"</c> (e.g. <c>silo-a/cuda:0</c>): the silo that must host it
/// (silo name = pod name in Kubernetes) and the device it drives there.
/// </summary>
public readonly record struct BatcherKey(string SiloName, string Device)
{
    public override string ToString() => $"{SiloName}/{Device}";

    /// <summary>Splits at the first '/'; silo names cannot hold one, device names may.</summary>
    public static BatcherKey Parse(string key)
    {
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == key.Length - 1)
            throw new ArgumentException($"batcher key '{key}' is not of the form '{{siloName}}/{{device}}'", nameof(key));
        return new BatcherKey(key[..slash], key[(slash + 1)..]);
    }
}
