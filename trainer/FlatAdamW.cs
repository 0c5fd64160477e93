using AprOrleans.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace AprOrleans.Trainer;

/// <summary>
/// AdamW on the fp32 master weights laid out in one contiguous buffer. Every parameter of the model becomes a view
/// of <see cref="Weights"/> and its gradient a view of <see cref="Gradients"/> (backward accumulates into the views in
/// place), and the optimizer sees one flat tensor per parameter group. Zeroing, clipping and the AdamW update then
/// cost a handful of kernels per step instead of ~15 per parameter tensor: on a GPU, where each launch from .NET
/// costs tens of microseconds, the per-tensor form spent more time launching than computing (paper has 165
/// tensors). The arithmetic is torch's AdamW, element for element.
/// <para>
/// Groups: with <c>decays</c> given, the parameters it selects form a group with <c>weightDecay</c> and the rest a
/// group without; otherwise all parameters form one group with <c>weightDecay</c>. Within a group parameters keep the
/// model's order. Checkpoints written before this class held one optimizer state per parameter tensor
/// (<see cref="LegacyFileName"/>); <see cref="Load"/> reads those too.
/// </para>
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    /// <summary>The optimizer state of this layout (torch's AdamW file format, one state per group).</summary>
    public const string FileName = "optimizer-flat.bin";
    /// <summary>The per-tensor optimizer state of checkpoints from before the flat layout.</summary>
    public const string LegacyFileName = "optimizer.bin";

    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    private readonly List<List<(string Name, Parameter Parameter)>> _groups;
    private readonly List<double> _groupDecay;
    private readonly List<Parameter> _flatGroups = [];
    private readonly AdamW _optimizer;

    public FlatAdamW(LlamaForCausalLM model, double learningRate, double weightDecay, Func<Parameter, bool>? decays = null)
    {
        var named = model.named_parameters().ToList();
        _groups = decays is null
            ? [named]
            : [[.. named.Where(p => decays(p.parameter))], [.. named.Where(p => !decays(p.parameter))]];
        _groupDecay = decays is null ? [weightDecay] : [weightDecay, 0.0];
        Order = [.. _groups.SelectMany(g => g)];
        long total = Order.Sum(p => p.Parameter.numel());
        Weights = empty(total, dtype: ScalarType.Float32, device: model.Device);
        Gradients = zeros(total, dtype: ScalarType.Float32, device: model.Device);

        long offset = 0;
        using (no_grad())
        {
            foreach (var group in _groups)
            {
                long start = offset;
                foreach (var (_, parameter) in group)
                {
                    long count = parameter.numel();
                    using var weightSlice = Weights.narrow(0, offset, count);
                    using var weights = weightSlice.view(parameter.shape);
                    weights.copy_(parameter);
                    ReleaseResult(parameter, parameter.set_(weights));
                    // The parameter holds its own reference to the view; backward adds into it in place.
                    using var gradientSlice = Gradients.narrow(0, offset, count);
                    using var gradient = gradientSlice.view(parameter.shape);
                    parameter.grad = gradient;
                    offset += count;
                }
                var flat = new Parameter(Weights.narrow(0, start, offset - start));
                using var flatGradient = Gradients.narrow(0, start, offset - start);
                flat.grad = flatGradient;
                _flatGroups.Add(flat);
            }
        }
        _optimizer = optim.AdamW(
            _flatGroups.Select((flat, g) => new AdamW.ParamGroup([flat], learningRate, Beta1, Beta2, Epsilon, _groupDecay[g], false, false)),
            lr: learningRate, beta1: Beta1, beta2: Beta2, eps: Epsilon, weight_decay: weightDecay);
    }

    /// <summary>All master weights, in <see cref="Order"/>.</summary>
    public Tensor Weights { get; }
    /// <summary>All master gradients, in <see cref="Order"/>; each parameter's gradient is a view of it.</summary>
    public Tensor Gradients { get; }
    /// <summary>The parameters (by name) in the order they sit in <see cref="Weights"/>.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Order { get; }

    public void ZeroGradients() => Gradients.zero_();

    /// <summary>
    /// Scales the gradients so their global L2 norm is at most <paramref name="maxNorm"/> (as torch's
    /// clip_grad_norm_ does, with its 1e-6) and returns the norm before clipping.
    /// </summary>
    public double ClipGradientNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        // Sum of squares, not norm(): libtorch's CPU norm kernel loses ~1e-4 relative over a million fp32 elements,
        // where its summation (and torch's per-tensor clip_grad_norm_) stays at rounding level.
        double norm = Math.Sqrt(Gradients.square().sum().item<float>());
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1) Gradients.mul_(coefficient);
        return norm;
    }

    /// <summary>One AdamW update of every group at <paramref name="learningRate"/>.</summary>
    public void Step(double learningRate)
    {
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = learningRate;
        _optimizer.step();
    }

    /// <summary>Writes the optimizer state into <paramref name="directory"/> as <see cref="FileName"/>.</summary>
    public void Save(string directory) => _optimizer.save_state_dict(Path.Combine(directory, FileName));

    /// <summary>Reads the optimizer state of a checkpoint: the flat file, or else a per-tensor one from before.</summary>
    public void Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path))
        {
            _optimizer.load_state_dict(path);
            return;
        }
        var legacy = Path.Combine(directory, LegacyFileName);
        if (!File.Exists(legacy)) throw new FileNotFoundException($"{directory}: no {FileName} (nor a {LegacyFileName} from an older version)", path);
        LoadPerTensor(legacy);
    }

    /// <summary>
    /// Loads a per-tensor state file into a throwaway optimizer built the way checkpoints used to build theirs (the
    /// same groups, one state per parameter tensor, in this layout's order), then copies each tensor's moments into
    /// its slice of the flat moments.
    /// </summary>
    private void LoadPerTensor(string path)
    {
        using var perTensor = optim.AdamW(
            _groups.Select((group, g) => new AdamW.ParamGroup(group.Select(p => p.Parameter), 0.0, Beta1, Beta2, Epsilon, _groupDecay[g], false, false)),
            lr: 0.0, beta1: Beta1, beta2: Beta2, eps: Epsilon);
        perTensor.load_state_dict(path);
        var perTensorStates = perTensor.state_dict().State;
        var flatStates = _optimizer.state_dict().State;
        using var noGrad = no_grad();
        int k = 0;
        for (int g = 0; g < _groups.Count; g++)
        {
            var flat = (AdamW.State)flatStates[g];
            long offset = 0;
            foreach (var (_, parameter) in _groups[g])
            {
                var state = (AdamW.State)perTensorStates[k++];
                long count = parameter.numel();
                using var scope = NewDisposeScope();
                flat.exp_avg.narrow(0, offset, count).copy_(state.exp_avg.flatten());
                flat.exp_avg_sq.narrow(0, offset, count).copy_(state.exp_avg_sq.flatten());
                flat.step = state.step;
                offset += count;
            }
        }
    }

    /// <summary>set_ works in place; it may hand back the same object (which must stay alive) or a second handle.</summary>
    private static void ReleaseResult(Tensor self, Tensor result)
    {
        if (!ReferenceEquals(self, result)) result.Dispose();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        foreach (var flat in _flatGroups) flat.Dispose();
        Gradients.Dispose();
        Weights.Dispose();
    }
}
