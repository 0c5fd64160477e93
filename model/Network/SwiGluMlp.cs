using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Model.Network;

/// <summary>Llama's feed-forward block: down(silu(gate(x)) * up(x)), no biases.</summary>
public sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;

    public SwiGluMlp(long hidden, long intermediate, Device? device) : base(nameof(SwiGluMlp))
    {
        gate_proj = nn.Linear(hidden, intermediate, hasBias: false, device: device);
        up_proj = nn.Linear(hidden, intermediate, hasBias: false, device: device);
        down_proj = nn.Linear(intermediate, hidden, hasBias: false, device: device);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var gated = nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x);
        return down_proj.forward(gated).MoveToOuterDisposeScope();
    }
}
