using System.Security.Cryptography;
using System.Text;
using AprOrleans.Interfaces.Admin;
using AprOrleans.Silo.Hosting;
using Grpc.Core;

namespace AprOrleans.Silo.Api;

/// <summary>
/// Guards the admin gRPC calls (experiment control, rollout pulls, weight publishing; DESIGN §7): the caller sends
/// <c>authorization: Bearer &lt;Apr:AdminToken&gt;</c>. A silo without a configured token refuses every admin call,
/// so an unconfigured deployment is closed rather than open. Failures are <c>PERMISSION_DENIED</c>.
/// </summary>
public sealed class AdminAuthorization(SiloSettings settings)
{
    public const string Header = AdminMetadata.Header;
    private const string Scheme = AdminMetadata.Scheme;

    /// <summary>Throws <c>PERMISSION_DENIED</c> unless the call carries the silo's admin token.</summary>
    public void Require(ServerCallContext context, string action)
    {
        if (Check(context.RequestHeaders.GetValue(Header), settings.AdminToken) is { } refusal)
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"{action}: {refusal}"));
    }

    /// <summary>Null when <paramref name="header"/> carries <paramref name="expected"/>, else why not.</summary>
    public static string? Check(string? header, string? expected)
    {
        if (string.IsNullOrEmpty(expected))
            return "this silo has no admin token configured (Apr:AdminToken), so admin calls are disabled";
        if (string.IsNullOrEmpty(header))
            return $"the call carries no '{Header}: Bearer <token>' metadata";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return $"the '{Header}' metadata must be 'Bearer <token>'";
        var given = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        // Constant time, so the comparison leaks nothing about how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(expected)) ? null : "the admin token is wrong";
    }
}
