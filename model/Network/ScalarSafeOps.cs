using TorchSharp;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>
/// Tensor arithmetic that passes no short-lived <see cref="Scalar"/> to libtorch. TorchSharp 0.107 turns every
/// number argument into a Scalar, including the hidden <c>alpha = 1</c> of <c>a + b</c> and <c>a - b</c>, and
/// leaves it to the finalizer; once its handle has been read the managed object is unreachable, so a GC during the
/// native call can free the scalar while libtorch still reads it (a c10 <c>toFloat</c> check failure, seen in the
/// silo where Orleans and Kestrel allocate heavily on other threads). The scalars here live for the whole process.
/// </summary>
public static class ScalarSafeOps
{
    private static readonly Scalar One = 1.ToScalar();
    private static readonly Scalar MinusOne = (-1).ToScalar();

    /// <summary><c>a + b</c>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a + b</c> for a Scalar the caller keeps alive.</summary>
    public static Tensor Plus(this Tensor a, Scalar b) => a.add(b, One);

    /// <summary><c>a − b</c>.</summary>
    public static Tensor Minus(this Tensor a, Tensor b) => a.add(b, MinusOne);

    /// <summary><c>a − b</c> for a Scalar the caller keeps alive.</summary>
    public static Tensor Minus(this Tensor a, Scalar b) => a.add(b, MinusOne);

    /// <summary><c>arange(stop)</c> as int64 on <paramref name="device"/>, its start, stop and step alive for the whole call.</summary>
    public static Tensor Arange(long stop, Device device)
    {
        using var end = stop.ToScalar();
        using var start = 0L.ToScalar();
        return arange(start, end, One, ScalarType.Int64, device);
    }
}
