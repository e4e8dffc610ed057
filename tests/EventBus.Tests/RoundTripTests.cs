using System.Text.Json;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>Publish → outbox → relay → topic stream (Dapr's layout) → consumer group → handler → XACK.</summary>
[Collection(RedisCollection.Name)]
public sealed class RoundTripTests(RedisFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_published_event_is_stored_in_Dapr_layout_consumed_once_and_acknowledged()
    {
        var db = redis.Server.Admin.GetDatabase();
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);
        await using var consumer = await TestBus.StartAsync(redis.ConnectionString, "consumer");

        var sent = await TestBus.PublishCountedAsync(publisher, "round-trip", 7);

        await TestBus.WaitUntilAsync(async () => (await db.HashGetAsync(CountedHandler.CounterKey("round-trip"), "total")) == 7, "the consumer counted the event");
        await TestBus.WaitUntilAsync(async () => await TestBus.PendingCountAsync(db, TestCatalogue.CountersTopic, "consumer") == 0, "the entry was acknowledged");

        var entry = Assert.Single(await TestBus.ReadStreamAsync(db, TestCatalogue.CountersTopic));
        Assert.Equal(["data", "metadata"], entry.Values.Select(v => (string)v.Name!).Order());
        Assert.Equal("{}", (string?)entry["metadata"]);
        Assert.Equal(sent.ToJsonBytes(), (byte[])entry["data"]!);

        using var json = JsonDocument.Parse((byte[])entry["data"]!);
        var root = json.RootElement;
        Assert.Equal("1.0", root.GetProperty("specversion").GetString());
        Assert.Equal(sent.Id, root.GetProperty("id").GetString());
        Assert.Equal("publisher", root.GetProperty("source").GetString());
        Assert.Equal(TestCatalogue.Counted, root.GetProperty("type").GetString());
        Assert.Equal(TestCatalogue.CountersTopic, root.GetProperty("topic").GetString());
        Assert.Equal("pubsub", root.GetProperty("pubsubname").GetString());
        Assert.Equal("round-trip", root.GetProperty("subject").GetString());
        Assert.Equal("application/json", root.GetProperty("datacontenttype").GetString());
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", root.GetProperty("traceparent").GetString());
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("time").GetString(), out _));
        Assert.Equal("round-trip", root.GetProperty("data").GetProperty("key").GetString());
        Assert.Equal("7", root.GetProperty("data").GetProperty("amount").GetString());

        Assert.Equal(1, await TestBus.EffectsCountAsync(db));
        Assert.Equal(0, await db.StreamLengthOrZeroAsync("publisher:outbox"));
    }

    [Fact]
    public async Task A_consumer_group_deleted_under_a_running_consumer_is_recreated_and_nothing_is_done_twice()
    {
        var db = redis.Server.Admin.GetDatabase();
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);
        await using var consumer = await TestBus.StartAsync(redis.ConnectionString, "consumer");
        await TestBus.PublishCountedAsync(publisher, "before", 1);
        await TestBus.WaitUntilAsync(async () => await TestBus.EffectsCountAsync(db) == 1, "the first event was handled");

        Assert.True(await db.StreamDeleteConsumerGroupAsync(TestCatalogue.CountersTopic, "consumer"));
        await TestBus.PublishCountedAsync(publisher, "after", 1);

        // The group comes back from the start of the stream: the first entry is read again, and its
        // "done" marker keeps its effect single.
        await TestBus.WaitUntilAsync(async () => await TestBus.EffectsCountAsync(db) == 2, "the event after the deletion was handled");
        await TestBus.WaitUntilAsync(async () => await TestBus.PendingCountAsync(db, TestCatalogue.CountersTopic, "consumer") == 0, "everything is acknowledged");
        Assert.All(await db.HashGetAllAsync(CountedHandler.EffectsKey), e => Assert.Equal(1, (long)e.Value));
        Assert.Equal(1, (long)await db.HashGetAsync(CountedHandler.CounterKey("before"), "total"));
    }

    [Fact]
    public async Task Topic_streams_are_trimmed_to_about_MaxLenApprox_entries()
    {
        var db = redis.Server.Admin.GetDatabase();
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher",
            new Dictionary<string, string?> { ["EventBus:MaxLenApprox"] = "100" }, withHandlers: false);
        for (int i = 0; i < 1000; i++)
        {
            await TestBus.PublishCountedAsync(publisher, "many", 1);
        }

        await TestBus.WaitUntilAsync(async () => await db.StreamLengthAsync("publisher:outbox") == 0, "the outbox was relayed");
        long length = await db.StreamLengthAsync(TestCatalogue.CountersTopic);
        Assert.InRange(length, 100, 300); // of 1000 published; "~": Redis trims whole nodes of up to 100 entries
    }
}

internal static class DatabaseExtensions
{
    /// <summary>XLEN: 0 for a key that does not exist.</summary>
    public static Task<long> StreamLengthOrZeroAsync(this IDatabase db, string key) => db.StreamLengthAsync(key);
}
