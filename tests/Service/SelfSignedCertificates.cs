using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AprOrleans.Tests.Service;

/// <summary>Self-signed EC P-256 certificates written as PEM files, as an operator's generated ones would be.</summary>
internal static class SelfSignedCertificates
{
    /// <summary>Writes <c>{name}.crt</c> and <c>{name}.key</c> into <paramref name="folder"/>; returns the two paths.</summary>
    public static (string Certificate, string Key) Write(string folder, string name, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificatePath = Path.Combine(folder, $"{name}.crt");
        var keyPath = Path.Combine(folder, $"{name}.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
