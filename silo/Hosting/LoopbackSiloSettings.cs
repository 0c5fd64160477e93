namespace AprOrleans.Silo.Hosting;

/// <summary>
/// Configuration overrides for a silo hosted in-process on loopback (the tests' clusters, the benchmarks): its
/// name, its ports, one CPU device and quiet logging. Callers add their ids, storage and engine settings.
/// </summary>
public static class LoopbackSiloSettings
{
    public static Dictionary<string, string?> For(string siloName, LoopbackPorts ports) => new()
    {
        ["Apr:SiloName"] = siloName,
        ["Apr:AdvertisedAddress"] = "127.0.0.1",
        ["Apr:ListenAddress"] = "127.0.0.1",
        ["Apr:SiloPort"] = ports.Silo.ToString(),
        ["Apr:GrpcPort"] = ports.Grpc.ToString(),
        ["Apr:HttpPort"] = ports.Http.ToString(),
        ["Apr:Devices:0"] = "cpu:0",
        // Warnings only: a silo's startup chatter would drown a test's or a benchmark's own output.
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Orleans"] = "Error",
    };
}
