using AprOrleans.Grains;
using AprOrleans.Grains.Solving;
using AprOrleans.Interfaces.Solving;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;

namespace AprOrleans.Tests.Service;

/// <summary>
/// The Orleans ADO.NET providers against this project's PostgreSQL schema, through the providers' own
/// interfaces as a running silo has them: every query the providers issue for storage and reminders.
/// (Clustering runs on it in every cluster the service tests start.)
/// </summary>
[Collection(TwoSiloCollection.Name)]
public class ProviderContractTests(TwoSiloFixture fixture)
{
    private IServiceProvider Services => fixture.Cluster["silo-a"].App.Services;

    [Fact]
    public async Task Grain_storage_writes_reads_detects_stale_etags_and_clears()
    {
        var storage = Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Solves);
        var id = GrainId.Create("contract", Guid.NewGuid().ToString());
        var state = new GrainState<SolveState>(new SolveState { Status = SolveStatus.Failed, Error = "first" });

        await storage.WriteStateAsync("solve", id, state);
        Assert.True(state.RecordExists);
        var firstEtag = state.ETag;

        var read = new GrainState<SolveState>(new SolveState());
        await storage.ReadStateAsync("solve", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(firstEtag, read.ETag);
        Assert.Equal("first", read.State!.Error);
        Assert.Equal(SolveStatus.Failed, read.State.Status);

        read.State!.Error = "second";
        await storage.WriteStateAsync("solve", id, read);
        Assert.NotEqual(firstEtag, read.ETag);

        // The first copy's ETag is stale now: its write must be refused, not silently win.
        state.State!.Error = "stale";
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("solve", id, state));

        await storage.ClearStateAsync("solve", id, read);
        var cleared = new GrainState<SolveState>(new SolveState());
        await storage.ReadStateAsync("solve", id, cleared);
        Assert.Null(cleared.State?.Error);

        cleared.State ??= new SolveState();
        cleared.State.Error = "after clear";
        await storage.WriteStateAsync("solve", id, cleared);
        var again = new GrainState<SolveState>(new SolveState());
        await storage.ReadStateAsync("solve", id, again);
        Assert.Equal("after clear", again.State!.Error);
    }

    [Fact]
    public async Task Reminder_rows_upsert_read_and_remove_with_etags()
    {
        var table = Services.GetRequiredService<IReminderTable>();
        var grain = GrainId.Create("contract", Guid.NewGuid().ToString());
        var start = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var entry = new ReminderEntry { GrainId = grain, ReminderName = "tick", StartAt = start, Period = TimeSpan.FromMinutes(5) };

        var etag1 = await table.UpsertRow(entry) ?? throw new InvalidOperationException("no etag");
        var row = await table.ReadRow(grain, "tick");
        Assert.NotNull(row);
        Assert.Equal(etag1, row.ETag);
        Assert.Equal(TimeSpan.FromMinutes(5), row.Period);
        Assert.Equal(start, row.StartAt.ToUniversalTime());

        entry.Period = TimeSpan.FromMinutes(7);
        var etag2 = await table.UpsertRow(entry) ?? throw new InvalidOperationException("no etag");
        Assert.NotEqual(etag1, etag2);
        await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "tock", StartAt = start, Period = TimeSpan.FromHours(1) });
        var rows = await table.ReadRows(grain);
        Assert.Equal(["tick", "tock"], rows.Reminders.Select(r => r.ReminderName).Order());
        Assert.Equal(TimeSpan.FromMinutes(7), rows.Reminders.Single(r => r.ReminderName == "tick").Period);

        Assert.False(await table.RemoveRow(grain, "tick", etag1));
        Assert.True(await table.RemoveRow(grain, "tick", etag2));
        Assert.Null(await table.ReadRow(grain, "tick"));
    }
}
