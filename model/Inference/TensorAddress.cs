using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace AprOrleans.Model.Inference;

/// <summary>
/// Where a tensor's first element lies in its device's memory, asked of libtorch on the host (no device work, no
/// synchronisation): two tensors at the same address share memory. TorchSharp 0.107 exposes no data_ptr, so the
/// storage's base comes straight from its native library.
/// </summary>
public static class TensorAddress
{
    [DllImport("LibTorchSharp")]
    private static extern nint THSStorage_data_ptr(nint tensor);

    public static long Of(Tensor tensor) => THSStorage_data_ptr(tensor.Handle) + tensor.storage_offset() * tensor.ElementSize;
}
