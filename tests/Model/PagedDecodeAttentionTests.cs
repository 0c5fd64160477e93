using AprOrleans.Model;
using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

/// <summary>
/// The CPU decode step that attends over the KV pages where they lie must give what gathering the pages and running
/// scaled_dot_product_attention gives, for any page layout, head size and thread count.
/// </summary>
public class PagedDecodeAttentionTests
{
    [Theory]
    [InlineData(16, 1, 3)]
    [InlineData(10, 1, 3)] // a head size that is not a whole number of SIMD vectors
    [InlineData(16, 2, 3)]
    [InlineData(16, 1, 1)] // grouped-query: three query heads share one key/value head
    public void The_kernel_equals_attention_over_the_gathered_positions(int dim, int threads, int kvHeads)
    {
        using var scope = NewDisposeScope();
        const int heads = 3, pageSize = 4, poolPages = 12;
        var keys = randn([poolPages * pageSize, kvHeads, dim], generator: new Generator(1));
        var values = randn([poolPages * pageSize, kvHeads, dim], generator: new Generator(2));
        // Rows share pages (a forked prefix) and end mid-page; page order in the pool is scrambled.
        int[][] pages = [[5, 2, 9], [5, 2, 7, 11, 3], [8]];
        int[] lengths = [10, 17, 1];
        var queries = randn([pages.Length, heads, 1, dim], generator: new Generator(3));

        var attended = PagedDecodeAttention.Attend(queries, keys, values, pages, lengths, pageSize, threads);

        for (int r = 0; r < pages.Length; r++)
        {
            var rows = tensor(Enumerable.Range(0, lengths[r]).Select(p => (long)pages[r][p / pageSize] * pageSize + p % pageSize).ToArray());
            var k = keys.index_select(0, rows).transpose(0, 1).unsqueeze(0).repeat_interleave(heads / kvHeads, 1);
            var v = values.index_select(0, rows).transpose(0, 1).unsqueeze(0).repeat_interleave(heads / kvHeads, 1);
            var expected = nn.functional.scaled_dot_product_attention(queries.narrow(0, r, 1), k, v);
            double diff = ModelTestUtil.MaxAbsDiff(attended.narrow(0, r, 1), expected);
            Assert.True(diff <= 1e-5, $"row {r}: max |Δ| = {diff}");
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(40)]
    public void Decoding_with_the_kernel_gives_the_logits_of_decoding_through_gathered_pages(int hidden)
    {
        var config = ModelTestUtil.Micro() with { HiddenSize = hidden };
        using var net = LlamaForCausalLM.Create(config, seed: 4);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        PagedKvCache NewCache(bool inPlace) =>
            new(config, slots: 4, totalTokens: 256, maxTokensPerSlot: 64, CPU, ScalarType.Float32, pageSize: 4, pagedDecodeAttention: inPlace);
        using var inPlace = new CountingCache(NewCache(true));
        using var gathered = new CountingCache(NewCache(false));

        int[] prompts = [13, 30, 6];
        var sequences = prompts.Select((n, i) => ModelTestUtil.RandomTokens(1, n, config.VocabSize, seed: 40 + i)).ToArray();
        foreach (var cache in new[] { inPlace, gathered })
        {
            for (int slot = 0; slot < 3; slot++) net.Forward(sequences[slot], cache, [slot]);
            cache.Inner.Fork(source: 1, target: 3, length: 22); // a child: shares five pages of slot 1, copies half of the sixth
        }
        int[] slots = [0, 1, 2, 3];
        int[] lengths = [.. prompts, 22];
        for (int t = 0; t < 8; t++)
        {
            var step = cat(slots.Select(s => ModelTestUtil.RandomTokens(1, 1, config.VocabSize, seed: 100 * t + s)).ToList(), 0);
            var expected = net.Forward(step, gathered, slots);
            var actual = net.Forward(step, inPlace, slots);
            double diff = ModelTestUtil.MaxAbsDiff(actual, expected);
            Assert.True(diff <= 1e-5, $"step {t}: max |Δ| = {diff}");
        }
        Assert.Equal(lengths.Select(n => n + 8), slots.Select(inPlace.Length));
        // Each path was the one taken: 8 steps × 2 layers.
        Assert.Equal((16, 0), (inPlace.InPlaceAttentions, inPlace.Reads));
        Assert.Equal((0, 16), (gathered.InPlaceAttentions, gathered.Reads));
    }

    /// <summary>A paged cache that counts how its decode steps attend.</summary>
    private sealed class CountingCache(PagedKvCache inner) : IKvCache, IDisposable
    {
        public PagedKvCache Inner { get; } = inner;
        public int Reads { get; private set; }
        public int InPlaceAttentions { get; private set; }
        public ModelConfig Config => Inner.Config;
        public bool AttendsDecodeInPlace => Inner.AttendsDecodeInPlace;
        public int Length(int slot) => Inner.Length(slot);
        public int[] Starts(IReadOnlyList<int> slots, int newTokens) => Inner.Starts(slots, newTokens);
        public void PlanReads(IReadOnlyList<KeyGroup> groups) => Inner.PlanReads(groups);
        public void Write(int layer, Tensor keys, Tensor values, Tensor writeSlots, Tensor writePositions) => Inner.Write(layer, keys, values, writeSlots, writePositions);
        public void Commit(IReadOnlyList<int> slots, IReadOnlyList<int> added) => Inner.Commit(slots, added);
        public void Dispose() => Inner.Dispose();

        public (Tensor Keys, Tensor Values) Read(int layer, KeyGroup group)
        {
            Reads++;
            return Inner.Read(layer, group);
        }

        public Tensor AttendDecode(int layer, Tensor queries)
        {
            InPlaceAttentions++;
            return Inner.AttendDecode(layer, queries);
        }
    }

    [Fact]
    public void The_kernel_refuses_pages_outside_the_pool_and_rows_longer_than_their_pages()
    {
        using var scope = NewDisposeScope();
        var pool = zeros([8 * 4, 2, 8]);
        var queries = zeros([1, 2, 1, 8]);
        var outside = Assert.Throws<ArgumentException>(() => PagedDecodeAttention.Attend(queries, pool, pool, [[3, 8]], [6], pageSize: 4, threads: 1));
        Assert.Contains("page 8 is outside", outside.Message);
        var tooLong = Assert.Throws<ArgumentException>(() => PagedDecodeAttention.Attend(queries, pool, pool, [[3]], [5], pageSize: 4, threads: 1));
        Assert.Contains("5 positions over 1 pages", tooLong.Message);
        Assert.Throws<ArgumentException>(() => PagedDecodeAttention.Attend(queries.to(ScalarType.Float64), pool, pool, [[3]], [2], pageSize: 4, threads: 1));
    }

    [Fact]
    public void Attention_threads_below_one_are_refused_by_the_cache_and_the_engine_options()
    {
        var config = ModelTestUtil.Micro();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new PagedKvCache(config, slots: 2, totalTokens: 64, maxTokensPerSlot: 32, CPU, ScalarType.Float32, attentionThreads: 0));
        Assert.Equal("attentionThreads", e.ParamName);
        Assert.Equal("attention threads must be at least 1", new AprOrleans.Model.Engine.EngineOptions { AttentionThreads = 0 }.Validate());
        using var everyCore = new PagedKvCache(config, slots: 2, totalTokens: 64, maxTokensPerSlot: 32, CPU, ScalarType.Float32);
        Assert.Equal(Environment.ProcessorCount, everyCore.AttentionThreads);
    }

    [Fact]
    public void Attending_in_place_outside_a_planned_decode_step_is_refused()
    {
        var config = ModelTestUtil.Micro();
        using var cache = new PagedKvCache(config, slots: 2, totalTokens: 64, maxTokensPerSlot: 32, CPU, ScalarType.Float32);
        using var queries = zeros([1, config.NumHeads, 1, config.HeadDim]);
        Assert.Throws<InvalidOperationException>(() => cache.AttendDecode(0, queries));
    }
}
