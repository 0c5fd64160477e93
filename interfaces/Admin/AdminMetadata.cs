using Grpc.Core;

namespace AprOrleans.Interfaces.Admin;

/// <summary>How an admin gRPC call carries the silo's token (DESIGN §7): metadata <c>authorization: Bearer &lt;token&gt;</c>.</summary>
public static class AdminMetadata
{
    public const string Header = "authorization";
    public const string Scheme = "Bearer ";

    /// <summary>The call metadata that carries <paramref name="token"/>.</summary>
    public static Metadata For(string token) => new() { { Header, Scheme + token } };
}
