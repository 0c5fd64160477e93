using System.Collections.Concurrent;
using AprOrleans.Grains.Decoding;
using AprOrleans.Reasoning.Runtime;

namespace AprOrleans.Tests.Service.Experiments;

/// <summary>
/// A group is stored whole or not at all, so when one of its trees fails the others' work is lost: the rollout
/// cancels them at once (freeing their engine slots for groups that can finish) and reports the tree's own error.
/// </summary>
public sealed class RolloutGroupFailureTests
{
    [Fact]
    public async Task A_failing_tree_cancels_the_other_trees_of_its_group_and_its_error_is_reported()
    {
        var decoders = new FirstDecodeFailsFactory();
        await using var cluster = await TestCluster.StartAsync(["silo-a"], adminToken: ExperimentCalls.Token, decodersFor: _ => decoders);
        var calls = new ExperimentCalls(cluster["silo-a"].Channel, ExperimentCalls.Token);
        const string name = "group-failure";
        await calls.CreateAndStartAsync(name, ExperimentCalls.Config(problemsPerStep: 1, groupSize: FirstDecodeFailsFactory.GroupSize, maxSteps: 1, rolloutAhead: 0));

        // The first tree's root decode fails; the other two trees' root decodes wait in the "engine" until cancelled.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (decoders.Cancelled.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(2, decoders.Cancelled.Count);
        Assert.Equal(3, decoders.Requests.Take(3).Distinct().Count()); // three trees (seeds), each cancelled or failed once
        Assert.All(decoders.Cancelled, seed => Assert.NotEqual(decoders.FailedSeed, seed));

        string? error = null;
        while (error is null && DateTime.UtcNow < deadline)
        {
            var experiment = await calls.GetAsync(name);
            if (experiment.Error.Contains(FirstDecodeFailsFactory.Failure, StringComparison.Ordinal)) error = experiment.Error;
            else await Task.Delay(100);
        }
        Assert.NotNull(error);
        Assert.DoesNotContain("cancel", error, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The first decode request fails (a device error) once the whole group's trees are decoding; every later one
    /// waits until its caller cancels it.
    /// Records each request's sampling seed (one per tree) and which were cancelled.
    /// </summary>
    private sealed class FirstDecodeFailsFactory : IDecoderFactory
    {
        public const string Failure = "the device reported an error";
        public const int GroupSize = 3;
        private int _requests;

        public ConcurrentQueue<long> Requests { get; } = new();
        public ConcurrentQueue<long> Cancelled { get; } = new();
        public long? FailedSeed { get; private set; }

        public IThreadDecoder Create(string device) => new Decoder(this);

        private sealed class Decoder(FirstDecodeFailsFactory owner) : IThreadDecoder
        {
            public async Task<DecodeResult> DecodeAsync(DecodeRequest request, CancellationToken cancellationToken = default)
            {
                owner.Requests.Enqueue(request.Sampling.Seed);
                if (Interlocked.Increment(ref owner._requests) == 1)
                {
                    // Fail once every tree of the group is decoding, so that each of them has something to cancel.
                    var arrived = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                    while (Volatile.Read(ref owner._requests) < GroupSize && DateTime.UtcNow < arrived) await Task.Delay(10, CancellationToken.None);
                    owner.FailedSeed = request.Sampling.Seed;
                    throw new InvalidOperationException(Failure);
                }
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    owner.Cancelled.Enqueue(request.Sampling.Seed);
                    throw;
                }
                throw new InvalidOperationException("unreachable: an infinite delay ended");
            }
        }
    }
}
