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
    private readonly long _intermediate;
    private FusedProjections? _gateUp; // set by FuseProjections; used only where no gradient is recorded

    public SwiGluMlp(long hidden, long intermediate, Device? device) : base(nameof(SwiGluMlp))
    {
        gate_proj = nn.Linear(hidden, intermediate, hasBias: false, device: device);
        up_proj = nn.Linear(hidden, intermediate, hasBias: false, device: device);
        down_proj = nn.Linear(intermediate, hidden, hasBias: false, device: device);
        _intermediate = intermediate;
        RegisterComponents();
    }

    /// <summary>Makes gate and up one matrix product for inference (<see cref="FusedProjections"/>).</summary>
    public void FuseProjections() => _gateUp ??= FusedProjections.Fuse(gate_proj, up_proj);

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor gated;
        if (_gateUp is { } fused && !is_grad_enabled() && fused.Intact)
        {
            var gateUp = fused.Forward(x);
            gated = nn.functional.silu(gateUp.narrow(-1, 0, _intermediate)) * gateUp.narrow(-1, _intermediate, _intermediate);
        }
        else
        {
            gated = nn.functional.silu(gate_proj.forward(x)) * up_proj.forward(x);
        }
        return down_proj.forward(gated).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gateUp?.Dispose();
        base.Dispose(disposing);
    }
}
