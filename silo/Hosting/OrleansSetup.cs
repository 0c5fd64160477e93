using System.Net;
using AprOrleans.Grains;
using AprOrleans.Grains.Batching;
using AprOrleans.Grains.Hosting;
using AprOrleans.Interfaces.Solving;
using AprOrleans.Storage.Postgres;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace AprOrleans.Silo.Hosting;

/// <summary>Configures the Orleans silo from <see cref="SiloSettings"/>: identity, clustering, storage, reminders, grains.</summary>
internal static class OrleansSetup
{
    public static void Configure(ISiloBuilder silo, SiloSettings settings)
    {
        silo.Configure<SiloOptions>(o => o.SiloName = settings.SiloName);
        // Grains live in other assemblies than the host (and the test host); name them so discovery never depends on the entry assembly.
        silo.Services.AddSerializer(s => s.AddAssembly(typeof(SolveGrainMarker).Assembly).AddAssembly(typeof(ISolveGrain).Assembly));
        silo.Services.Configure<DeviceOptions>(o => o.Devices = [.. settings.Devices]);

        if (settings.Storage == StorageModes.Memory)
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, null, settings.ServiceId, settings.ClusterId);
            silo.AddMemoryGrainStorage(StorageNames.Solves);
            silo.UseInMemoryReminderService();
        }
        else
        {
            var connection = settings.ConnectionString!;
            silo.Configure<ClusterOptions>(o => { o.ClusterId = settings.ClusterId; o.ServiceId = settings.ServiceId; });
            // Bound to the advertised address only (not every interface); the gateway is off unless a port is set.
            silo.ConfigureEndpoints(IPAddress.Parse(settings.AdvertisedAddress), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: false);
            if (!string.IsNullOrEmpty(settings.SiloTlsCertificate)) UseMutualTls(silo, ClusterCertificate.Load(settings.SiloTlsCertificate, settings.SiloTlsKey!));
            silo.UseAdoNetClustering(o => { o.Invariant = PostgresSchema.Invariant; o.ConnectionString = connection; });
            silo.UseAdoNetReminderService(o => { o.Invariant = PostgresSchema.Invariant; o.ConnectionString = connection; });
            silo.AddAdoNetGrainStorage(StorageNames.Solves, options => options.Configure<Serializer>((o, serializer) =>
            {
                o.Invariant = PostgresSchema.Invariant;
                o.ConnectionString = connection;
                // Chosen before the first stored byte (DESIGN §6): Orleans' binary format, versioned by the [Id]s of the state types.
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        }
        silo.AddAprGrains();
        silo.AddSolveRetention(settings.Storage == StorageModes.Postgres ? settings.ConnectionString : null, settings.ServiceId, settings.SolveRetention);
        silo.AddWeightSync(settings.EffectiveWeightsDirectory, settings.Storage == StorageModes.Postgres ? settings.ConnectionString : null, settings.ServiceId, settings.SiloName,
            settings.SharedWeightsDirectory is null ? null : Path.GetFullPath(settings.SharedWeightsDirectory));
    }

    /// <summary>
    /// Mutual TLS on the silo-to-silo port: each side presents the cluster certificate and requires the other's to
    /// be the same one, so a process without it cannot open a connection, let alone join.
    /// </summary>
    private static void UseMutualTls(ISiloBuilder silo, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        silo.UseTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = Orleans.Connections.Security.RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = Orleans.Connections.Security.RemoteCertificateMode.RequireCertificate;
            // Pinning replaces chain validation: the cluster certificate is self-issued, and only it is accepted.
            tls.RemoteCertificateValidation = (remote, _, _) => ClusterCertificate.IsClusterMember(remote, certificate);
        });
}
