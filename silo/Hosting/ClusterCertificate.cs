using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AprOrleans.Silo.Hosting;

/// <summary>
/// The certificate every silo of a cluster holds (PEM certificate and private key, as a Kubernetes TLS Secret mounts
/// them), for mutual TLS on the silo-to-silo port. A silo accepts a peer exactly when the peer presents the same
/// certificate: the cluster pins its own certificate, so no CA is needed and no other certificate, however valid,
/// gets in.
/// </summary>
public static class ClusterCertificate
{
    /// <summary>
    /// Loads a PEM certificate with its key (<paramref name="setting"/> names the settings in errors, e.g. <c>SiloTls</c>):
    /// a file that is missing or does not hold a certificate and its key is a configuration error.
    /// </summary>
    public static X509Certificate2 Load(string certificatePath, string keyPath, string setting = "SiloTls")
    {
        if (!File.Exists(certificatePath)) throw new SiloConfigurationException($"Apr:{setting}Certificate '{certificatePath}' does not exist");
        if (!File.Exists(keyPath)) throw new SiloConfigurationException($"Apr:{setting}Key '{keyPath}' does not exist");
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            if (!certificate.HasPrivateKey) throw new SiloConfigurationException($"Apr:{setting}Key '{keyPath}' holds no private key for the certificate");
            return certificate;
        }
        catch (CryptographicException e)
        {
            throw new SiloConfigurationException($"Apr:{setting}Certificate '{certificatePath}' with Apr:{setting}Key '{keyPath}': {e.Message}");
        }
    }

    /// <summary>True when <paramref name="remote"/> is the cluster's own certificate (the same bytes, hence the same key).</summary>
    public static bool IsClusterMember(X509Certificate2? remote, X509Certificate2 cluster) =>
        remote is not null && CryptographicOperations.FixedTimeEquals(remote.RawData, cluster.RawData);
}
