using AprOrleans.Countdown.Solvers;
using AprOrleans.Countdown.Tokenization;

namespace AprOrleans.Trainer.Data;

/// <summary>
/// Demonstrations from a JSON Lines file (DemonstrationFile), tokenized once and held in memory. Every 20th
/// demonstration (up to 50) is held out for validation. Training cycles through epochs; epoch e visits the
/// sequences in a permutation seeded by (seed, e), cut into pools of <c>sequencesPerPool</c>. The conditioner
/// labels a share of the demonstrations with their budget (by file index).
/// </summary>
public sealed class FileDemoSource : ISequenceSource
{
    private readonly List<int[]> _train = [];
    private readonly int _seed;
    private readonly int _sequencesPerPool;
    private int[]? _permutation;
    private long _permutationEpoch = -1;

    public FileDemoSource(string path, int seed, CountdownTokenizer tokenizer, int maxLength, int sequencesPerPool = 1024,
                          DemoConditioner? conditioner = null)
    {
        conditioner ??= DemoConditioner.None;
        _seed = seed;
        _sequencesPerPool = sequencesPerPool;
        var validation = new List<int[]>();
        int index = 0;
        foreach (var demo in DemonstrationFile.Read(path))
        {
            bool heldOut = index % 20 == 19 && validation.Count < 50;
            foreach (var sequence in conditioner.Apply(demo, index).Sequences)
            {
                var ids = tokenizer.Encode(sequence.Text, addBos: true, addEos: true);
                if (ids.Count > maxLength) { SkippedTooLong++; continue; }
                (heldOut ? validation : _train).Add([.. ids]);
            }
            index++;
        }
        if (_train.Count == 0) throw new InvalidDataException($"{path}: no training sequences (of at most {maxLength} tokens)");
        Validation = validation;
        Description = $"file {path}: {index} demonstrations, {_train.Count} training and {validation.Count} validation sequences";
    }

    public string Description { get; }
    public IReadOnlyList<int[]> Validation { get; }
    public long SkippedTooLong { get; }

    private long PoolsPerEpoch => (_train.Count + _sequencesPerPool - 1) / _sequencesPerPool;

    public IReadOnlyList<int[]> Pool(long index)
    {
        long epoch = index / PoolsPerEpoch;
        long chunk = index % PoolsPerEpoch;
        if (epoch != _permutationEpoch)
        {
            _permutation = [.. Enumerable.Range(0, _train.Count)];
            new Random(DeterministicSeed.For(_seed, epoch)).Shuffle(_permutation);
            _permutationEpoch = epoch;
        }
        int start = (int)(chunk * _sequencesPerPool);
        int count = Math.Min(_sequencesPerPool, _train.Count - start);
        return [.. _permutation!.Skip(start).Take(count).Select(i => _train[i])];
    }
}
