using AprOrleans.Model.Engine;
using AprOrleans.Model.Engine.Scheduling;
using AprOrleans.Model.Inference;
using AprOrleans.Reasoning.Runtime;
using CsCheck;

namespace AprOrleans.Tests.Engine;

/// <summary>
/// Properties of the engine's tensor-free scheduler, driven by random sequences of operations (requests with random
/// prompts and limits, resumed texts that continue a finished one, cancellations, steps with random tokens, weight
/// swaps) on random engine sizes, many of them short of KV pages. A model of the KV cache (each slot's tokens and
/// the weights that computed them) carries out every plan the way the executor does and checks it.
/// </summary>
public class SchedulerProperties
{
    private const int Eos = 0;

    private abstract record Op;
    private sealed record Enqueue(int Length, int Common, int Seed, int MaxNew, int Stop) : Op;
    private sealed record Resume(int Pick, int Keep, int Seed, int MaxNew) : Op;
    private sealed record Cancel(int Pick) : Op;
    private sealed record Step(int Seed) : Op;
    private sealed record SwapWeights : Op;

    private static readonly Gen<Op> Ops = Gen.Frequency(
        (4, Gen.Select(Gen.Int[1, 64], Gen.Int[0, 64], Gen.Int[0, 1000], Gen.Int[1, 12], Gen.Int[0, 9], (l, c, s, m, st) => (Op)new Enqueue(l, c, s, m, st))),
        (2, Gen.Select(Gen.Int[0, 100], Gen.Int[1, 64], Gen.Int[0, 1000], Gen.Int[1, 12], (p, k, s, m) => (Op)new Resume(p, k, s, m))),
        (1, Gen.Int[0, 100].Select(p => (Op)new Cancel(p))),
        (8, Gen.Int[0, 100_000].Select(s => (Op)new Step(s))),
        (1, Gen.Const((Op)new SwapWeights())));

    /// <summary>1–6 slots of 8–48 tokens, pages of 1–8 tokens, a KV pool from one context up to every slot's full context.</summary>
    private static readonly Gen<EngineOptions> Sizes =
        Gen.Select(Gen.Int[1, 6], Gen.Int[8, 48], Gen.Int[1, 8], Gen.Int[0, 100], Gen.Int[1, 3], Gen.Int[1, 6],
            (slots, context, page, pool, prefill, reuse) => new EngineOptions
            {
                Slots = slots,
                ContextTokens = context,
                PageSize = page,
                KvTokens = context + (slots - 1) * context * pool / 100,
                MaxPrefillTokens = context * prefill,
                MinPrefixReuse = reuse,
            });

    /// <summary>
    /// The same sizes as contiguous regions: some slots hold a full context, the rest a random shorter one (the short tier
    /// first or last).
    /// </summary>
    private static readonly Gen<EngineOptions> RegionSizes =
        Gen.Select(Sizes, Gen.Int[0, 100], Gen.Int[1, 100], Gen.Bool, (options, longShare, shortShare, shortFirst) =>
        {
            int longSlots = 1 + (options.Slots - 1) * longShare / 100, shortSlots = options.Slots - longSlots;
            var full = new SlotTier(longSlots, options.ContextTokens);
            var tiers = shortSlots == 0 ? [full]
                : shortFirst ? new[] { new SlotTier(shortSlots, Math.Max(2, options.ContextTokens * shortShare / 100)), full }
                : [full, new SlotTier(shortSlots, Math.Max(2, options.ContextTokens * shortShare / 100))];
            return options with { KvLayout = KvLayout.Regions, RegionTiers = tiers };
        });

    [Theory]
    [InlineData(KvLayout.Paged)]
    [InlineData(KvLayout.Regions)]
    public void Random_workloads_keep_every_scheduler_invariant_and_end_every_request(KvLayout layout)
    {
        long preemptions = 0, reused = 0, swaps = 0, cancelled = 0;
        Gen.Select(layout == KvLayout.Paged ? Sizes : RegionSizes, Ops.Array[1, 60]).Sample((options, ops) =>
        {
            var run = new Simulation(options);
            foreach (var op in ops)
            {
                run.Apply(op);
                run.CheckState();
            }
            run.Drain();
            preemptions += run.Scheduler.Counters.Preemptions;
            reused += run.Scheduler.Counters.ReusedPrefixTokens;
            swaps += run.Swaps;
            cancelled += run.Requests.Count(r => r.Outcome == Outcome.Cancelled);
        }, iter: 400);
        // The workloads must reach the paths the invariants are about; regions are reserved whole, so they never preempt.
        Assert.True((layout == KvLayout.Regions) == (preemptions == 0) && reused > 0 && swaps > 0 && cancelled > 0,
            $"{preemptions} preemptions, {reused} reused tokens, {swaps} swaps, {cancelled} cancelled");
    }

    private enum Outcome { Live, Finished, Cancelled }

    private sealed class Request(IReadOnlyList<int> context, int maxNew, IReadOnlySet<int> stops, CancellationTokenSource source)
        : ScheduledSequence(context, maxNew, stops, source.Token)
    {
        public CancellationTokenSource Source { get; } = source;
        public Outcome Outcome { get; set; }
        public int Id { get; init; }
    }

    private sealed class Simulation
    {
        private readonly EngineOptions _options;
        private readonly List<(int Token, int Version)>[] _cache; // what each slot's KV cache holds, and under which weights
        private readonly List<List<int>> _finishedTexts = [];
        private int _version;

        public Simulation(EngineOptions options)
        {
            _options = options;
            Scheduler = new Scheduler<Request>(options, Eos);
            _cache = Enumerable.Range(0, options.Slots).Select(_ => new List<(int, int)>()).ToArray();
        }

        public Scheduler<Request> Scheduler { get; }
        public List<Request> Requests { get; } = [];
        public int Swaps { get; private set; }

        private int PagesFor(int tokens) => (tokens + _options.KvPages().PageSize - 1) / _options.KvPages().PageSize;

        public void Apply(Op op)
        {
            switch (op)
            {
                case Enqueue e:
                    {
                        int length = 1 + (e.Length - 1) % (_options.ContextTokens - 1);
                        var random = new Random(e.Seed);
                        // A shared stem makes prompts start alike, as a thread's children and resumed parents do.
                        var context = Enumerable.Range(0, length).Select(i => i < e.Common ? 1 + i * 7 % 5 : random.Next(1, 6)).ToList();
                        Add(context, e.MaxNew, e.Stop is >= 1 and <= 5 ? [e.Stop] : []);
                        break;
                    }
                case Resume r when _finishedTexts.Count > 0:
                    {
                        // Like a parent after a join: part of a finished text, then new tokens.
                        var text = _finishedTexts[r.Pick % _finishedTexts.Count];
                        var random = new Random(r.Seed);
                        int keep = Math.Min(1 + (r.Keep - 1) % text.Count, _options.ContextTokens - 2);
                        var context = text.Take(keep).Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(1, 6))).ToList();
                        Add(context.Take(_options.ContextTokens - 1).ToList(), r.MaxNew, []);
                        break;
                    }
                case Cancel c:
                    {
                        var live = Requests.Where(q => q.Outcome == Outcome.Live).ToList();
                        if (live.Count > 0) live[c.Pick % live.Count].Source.Cancel();
                        break;
                    }
                case Step s:
                    Iterate(new Random(s.Seed));
                    break;
                case SwapWeights:
                    _version++;
                    Swaps++;
                    Carry(Scheduler.RestartUnderNewWeights());
                    Assert.Empty(Scheduler.Parked);
                    Assert.All(Scheduler.Running, q => Assert.Equal(0, q.Cached));
                    break;
            }
        }

        private void Add(List<int> context, int maxNew, HashSet<int> stops)
        {
            var request = new Request(context, maxNew, stops, new CancellationTokenSource()) { Id = Requests.Count };
            Requests.Add(request);
            Scheduler.Enqueue(request);
        }

        /// <summary>One engine iteration: the prefill plan, then the decode plan, each carried out and reported.</summary>
        public void Iterate(Random random)
        {
            var prefill = Scheduler.SchedulePrefill();
            Execute(prefill, random);
            int runningAfterPrefill = Scheduler.Running.Count;
            var decode = Scheduler.ScheduleDecode();
            Execute(decode, random);
            // Something runs, so some forward must: the engine never stalls.
            Assert.True(prefill.Rows.Count + decode.Rows.Count > 0 || runningAfterPrefill == 0, "an iteration with running rows ran no forward");
        }

        private void Execute(StepPlan<Request> plan, Random random)
        {
            // A parked prefix is reused only when it shares at least the minimum with the request, and only under the current weights.
            foreach (var (request, slot, reusedTokens) in plan.Admitted)
            {
                Assert.Equal(Outcome.Live, request.Outcome);
                // A slot holds everything its sequence can come to hold: it never outgrows its region.
                Assert.True(Math.Min(request.PromptLength + request.MaxNewTokens, _options.ContextTokens) <= Scheduler.Capacity(slot), "a slot too small for its request");
                if (reusedTokens == 0) continue;
                var held = _cache[slot];
                int shared = 0;
                while (shared < held.Count && shared < request.Tokens.Count && held[shared].Token == request.Tokens[shared]) shared++;
                Assert.True(shared >= _options.MinPrefixReuse, $"reused {reusedTokens} tokens of a prefix sharing {shared}");
                Assert.True(reusedTokens <= shared && reusedTokens < request.Tokens.Count);
                Assert.All(held, t => Assert.Equal(_version, t.Version));
            }
            Assert.DoesNotContain(plan.Preempted, Scheduler.Running.Contains);
            // The oldest running row is never preempted.
            if (Scheduler.Running.Concat(plan.Preempted).MinBy(r => r.Admission) is { } oldest) Assert.DoesNotContain(oldest, plan.Preempted);
            // Preemption takes the most recently admitted rows: every row still running is older than every row preempted.
            foreach (var preempted in plan.Preempted)
                Assert.All(Scheduler.Running, r => Assert.True(r.Admission < preempted.Admission, "an older row was preempted before a younger one"));
            if (plan.Preempted.Count > 0) Assert.NotEmpty(Scheduler.Running);
            Carry(plan.Cuts);
            foreach (var request in plan.Cancelled)
            {
                Assert.True(request.Cancellation.IsCancellationRequested);
                End(request, Outcome.Cancelled);
            }
            // Every size the generator makes holds one full context, so a sequence alone always fits.
            Assert.Empty(plan.Failed);
            if (plan.Rows.Count == 0) return;

            int width = plan.Width;
            Assert.Equal(plan.Rows.Count, plan.Rows.Select(r => r.Slot).Distinct().Count());
            Assert.True(plan.Rows.Count == 1 || width * plan.Rows.Count <= _options.MaxPrefillTokens, "the prefill batch exceeds its token budget");
            int needed = 0;
            foreach (var (request, slot, start, count) in plan.Rows)
            {
                Assert.Equal(slot, request.Slot);
                Assert.Equal(_cache[slot].Count, start);
                Assert.Equal(request.Tokens.Take(start), _cache[slot].Select(t => t.Token));
                Assert.All(_cache[slot], t => Assert.Equal(_version, t.Version));
                Assert.Equal(request.Tokens.Count, start + count);
                Assert.True(plan.IsPrefill ? count > 1 : count == 1);
                Assert.True(start + width <= Scheduler.Capacity(slot), "a padded row runs past its slot");
                needed += Math.Max(0, PagesFor(start + width) - PagesFor(start));
            }
            Assert.True(needed <= Scheduler.TotalPages - HeldPages(), $"the forward needs {needed} pages; {Scheduler.TotalPages - HeldPages()} are free");

            var tokens = new List<int>();
            foreach (var (request, slot, start, count) in plan.Rows)
            {
                _cache[slot].AddRange(request.Tokens.Skip(start).Take(count).Select(t => (t, _version)));
                int draw = random.Next(12);
                tokens.Add(draw == 0 ? Eos : 1 + draw % 5);
            }
            foreach (var (request, reason) in Scheduler.Update(plan, tokens))
            {
                int last = request.Tokens[^1];
                Assert.Equal(reason, last == Eos ? DecodeStop.EndOfSequence
                    : request.StopTokens.Contains(last) ? DecodeStop.StopToken : DecodeStop.TokenLimit);
                Assert.True(request.GeneratedCount <= request.MaxNewTokens && request.Tokens.Count <= _options.ContextTokens);
                End(request, Outcome.Finished);
                _finishedTexts.Add(request.Tokens);
            }
        }

        private void End(Request request, Outcome outcome)
        {
            Assert.Equal(Outcome.Live, request.Outcome);
            request.Outcome = outcome;
            Assert.Equal(-1, request.Slot);
        }

        /// <summary>The executor's part of a cut: the slot keeps only its first tokens.</summary>
        private void Carry(IEnumerable<SlotCut> cuts)
        {
            foreach (var (slot, length) in cuts)
            {
                Assert.InRange(length, 0, _cache[slot].Count);
                _cache[slot].RemoveRange(length, _cache[slot].Count - length);
            }
        }

        private int HeldPages() => _cache.Sum(c => PagesFor(c.Count));

        public void CheckState()
        {
            // No slot double-booked: running, parked and free slots split the slots between them.
            var running = Scheduler.Running.Select(r => r.Slot).ToList();
            var parked = Scheduler.Parked.ToList();
            var free = Scheduler.FreeSlots.ToList();
            Assert.Equal(Enumerable.Range(0, _options.Slots), running.Concat(parked.Select(p => p.Slot)).Concat(free).Order());
            Assert.All(free, slot => Assert.Empty(_cache[slot]));
            Assert.All(Scheduler.Running, r => Assert.Equal(r.Cached, _cache[r.Slot].Count));
            Assert.All(parked, p => Assert.Equal(p.Tokens, _cache[p.Slot].Count));
            // Pages conserved: those in use are the running rows' and the parked entries', never more than the pool.
            int counted = Scheduler.Running.Sum(r => PagesFor(r.Cached)) + parked.Sum(p => PagesFor(p.Tokens));
            Assert.Equal(counted, Scheduler.PagesInUse);
            Assert.Equal(HeldPages(), Scheduler.PagesInUse);
            Assert.InRange(Scheduler.PagesInUse, 0, Scheduler.TotalPages);
            // Never lost: each live request waits, runs or waits to resume, exactly once; the ended ones are nowhere.
            var places = Scheduler.Waiting.Concat(Scheduler.Running).Concat(Scheduler.Preempted).ToList();
            Assert.Equal(places.Count, places.Distinct().Count());
            Assert.Equal(Requests.Where(r => r.Outcome == Outcome.Live).OrderBy(r => r.Id), places.OrderBy(r => r.Id));
            Assert.All(Scheduler.Waiting.Concat(Scheduler.Preempted), r => Assert.Equal(-1, r.Slot));
        }

        /// <summary>Steps until nothing is left: every request ends, finished or cancelled.</summary>
        public void Drain()
        {
            var random = new Random(1);
            for (int i = 0; i < 10_000 && Scheduler.HasWork; i++)
            {
                Iterate(random);
                CheckState();
            }
            Assert.False(Scheduler.HasWork, "the scheduler did not drain");
            Assert.All(Requests, r => Assert.NotEqual(Outcome.Live, r.Outcome));
        }
    }
}
