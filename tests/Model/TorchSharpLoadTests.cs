using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

public class TorchSharpLoadTests
{
    [Fact]
    public void NativeLibrariesLoadAndComputeOnCpu()
    {
        // Fails with a DllNotFoundException when the GLIBCXX fix of build/LibTorch.targets did not run.
        using var t = ones(2);
        using var sum = t.sum();
        Assert.Equal(2f, sum.item<float>());
    }
}
