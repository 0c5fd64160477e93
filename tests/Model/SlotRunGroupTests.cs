using AprOrleans.Model;
using AprOrleans.Model.Inference;
using static TorchSharp.torch;

namespace AprOrleans.Tests.Model;

/// <summary>
/// The region cache's key groups: runs of consecutive slots of one tier, read as views of the pool (no copy), cut
/// where padding short rows to a long one would cost more than another group.
/// </summary>
public class SlotRunGroupTests
{
    private static int OneTier(int slot) => 0;

    [Fact]
    public void A_run_of_consecutive_slots_at_one_length_is_one_group()
    {
        Assert.Equal([new KeyGroup(0, 4, 65)], SlotRunGroups.Split([3, 4, 5, 6], [64, 64, 64, 64], newTokens: 1, OneTier));
    }

    [Fact]
    public void Groups_break_where_a_slot_is_skipped_or_the_tier_changes()
    {
        Assert.Equal([new KeyGroup(0, 2, 11), new KeyGroup(2, 1, 11)], SlotRunGroups.Split([0, 1, 3], [10, 10, 10], 1, OneTier));
        Assert.Equal([new KeyGroup(0, 1, 11), new KeyGroup(1, 1, 11)], SlotRunGroups.Split([1, 2], [10, 10], 1, slot => slot < 2 ? 0 : 1));
    }

    [Fact]
    public void One_short_row_joins_a_long_one_but_many_short_rows_get_a_group_of_their_own()
    {
        Assert.Equal([new KeyGroup(0, 2, 1001)], SlotRunGroups.Split([0, 1], [1000, 100], 1, OneTier));
        int[] starts = [1000, .. Enumerable.Repeat(100, 10)];
        Assert.Equal([new KeyGroup(0, 1, 1001), new KeyGroup(1, 10, 101)],
            SlotRunGroups.Split([.. Enumerable.Range(0, 11)], starts, 1, OneTier));
    }

    [Fact]
    public void A_run_of_consecutive_slots_reads_its_keys_where_they_lie_and_other_rows_gather_them()
    {
        var config = ModelTestUtil.Micro();
        using var cache = new KvCache(config, slots: 4, capacity: 16, CPU, ScalarType.Float32);
        using var scope = NewDisposeScope();
        cache.Starts([1, 2], newTokens: 1);
        var run = new KeyGroup(0, 2, 1);
        cache.PlanReads([run]);
        var (first, _) = cache.Read(0, run);
        var (second, _) = cache.Read(0, run);
        Assert.Equal(TensorAddress.Of(first), TensorAddress.Of(second));
        Assert.Equal([2L, config.NumKeyValueHeads, 1, config.HeadDim], first.shape);

        cache.Starts([3, 1], newTokens: 1);
        var scattered = new KeyGroup(0, 2, 1);
        cache.PlanReads([scattered]);
        var (a, _) = cache.Read(0, scattered);
        var (b, _) = cache.Read(0, scattered);
        Assert.NotEqual(TensorAddress.Of(a), TensorAddress.Of(b));
    }
}
