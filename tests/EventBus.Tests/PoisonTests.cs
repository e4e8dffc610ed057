using System.Text;
using System.Text.Json;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>Poison entries go to the app's dead-letter topic with their error and original bytes; later events still flow; duplicates and reordering change nothing.</summary>
[Collection(RedisCollection.Name)]
public sealed class PoisonTests(RedisFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    [Fact]
    public async Task Poison_entries_are_dead_lettered_with_their_error_and_original_bytes_and_later_events_flow()
    {
        await using var consumer = await TestBus.StartAsync(redis.ConnectionString, "consumer", new Dictionary<string, string?> { ["EventBus:MaxAttempts"] = "2" });
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);
        string topic = TestCatalogue.CountersTopic;

        await Db.StreamAddAsync(topic, [new NameValueEntry("data", "this is not a CloudEvent"), new NameValueEntry("metadata", "{}")]);
        await Db.StreamAddAsync(topic, "metadata", "{}");
        var negative = await TestBus.PublishCountedAsync(publisher, "poison", -1);
        var flaky = await TestBus.PublishCountedAsync(publisher, "flaky", 1);
        await TestBus.PublishCountedAsync(publisher, "healthy", 5);

        await TestBus.WaitUntilAsync(async () => (await Db.HashGetAsync(CountedHandler.CounterKey("healthy"), "total")) == 5, "the healthy event was handled");
        await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync("consumer.deadletter") == 4, "four entries were dead-lettered");
        await TestBus.WaitUntilAsync(async () => await TestBus.PendingCountAsync(Db, topic, "consumer") == 0, "nothing is left pending");

        var letters = (await TestBus.ReadStreamAsync(Db, "consumer.deadletter"))
            .Select(entry => (Data: (string?)entry["data"], Meta: JsonDocument.Parse((string)entry["metadata"]!).RootElement))
            .ToList();
        Assert.All(letters, letter => Assert.Equal(topic, letter.Meta.GetProperty("topic").GetString()));
        Assert.Contains(letters, l => l.Data == "this is not a CloudEvent" && l.Meta.GetProperty("error").GetString()!.Contains("malformed CloudEvent", StringComparison.Ordinal));
        Assert.Contains(letters, l => l.Data == "" && l.Meta.GetProperty("error").GetString()!.Contains("no 'data' field", StringComparison.Ordinal));
        Assert.Contains(letters, l => l.Data == Encoding.UTF8.GetString(negative.ToJsonBytes())
            && l.Meta.GetProperty("error").GetString()!.Contains("amount must be >= 0", StringComparison.Ordinal));
        Assert.Contains(letters, l => l.Data == Encoding.UTF8.GetString(flaky.ToJsonBytes())
            && l.Meta.GetProperty("error").GetString()!.Contains("flaky counter is unavailable", StringComparison.Ordinal)
            && l.Meta.GetProperty("attempts").GetString() == "2");
        Assert.Equal(1, await TestBus.EffectsCountAsync(Db));
    }

    [Fact]
    public async Task A_batch_slower_than_the_processing_timeout_is_not_reclaimed_by_its_own_consumer()
    {
        // Each entry takes 2.5 s; after 1 s it is idle in Redis, but this consumer is still on it:
        // reclaiming it here would count another delivery, and with one attempt allowed, dead-letter
        // entries that succeed.
        await using var consumer = await TestBus.StartAsync(redis.ConnectionString, "consumer",
            new Dictionary<string, string?> { ["EventBus:MaxAttempts"] = "1", ["Child:DelayMs"] = "2500" });
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);
        for (int i = 0; i < 3; i++)
        {
            await TestBus.PublishCountedAsync(publisher, "slow-" + i, 1);
        }

        await TestBus.WaitUntilAsync(async () => await TestBus.EffectsCountAsync(Db) == 3, "the three slow events were handled");
        await TestBus.WaitUntilAsync(async () => await TestBus.PendingCountAsync(Db, TestCatalogue.CountersTopic, "consumer") == 0, "nothing is left pending");

        Assert.Equal(0, await Db.StreamLengthOrZeroAsync("consumer.deadletter"));
        var effects = await Db.HashGetAllAsync(CountedHandler.EffectsKey);
        Assert.All(effects, e => Assert.Equal(1, (long)e.Value));
    }

    [Fact]
    public async Task A_duplicate_publish_of_the_same_event_has_its_effect_once()
    {
        await using var consumer = await TestBus.StartAsync(redis.ConnectionString, "consumer");
        var catalogue = TestCatalogue.Create();
        byte[] bytes = CloudEvent.Create("publisher", catalogue.Get(TestCatalogue.Counted), "pubsub", "dup", new Counted { Key = "dup", Amount = 4 }).ToJsonBytes();

        for (int i = 0; i < 3; i++)
        {
            await Db.StreamAddAsync(TestCatalogue.CountersTopic, [new NameValueEntry("data", bytes), new NameValueEntry("metadata", "{}")]);
        }

        // Read first, pending second: pending is 0 both before the read and after the acks.
        await TestBus.WaitUntilAsync(async () => await GroupEntriesReadAsync() == 3
            && await TestBus.PendingCountAsync(Db, TestCatalogue.CountersTopic, "consumer") == 0, "all three copies were delivered and acknowledged");
        Assert.Equal(4, (long)await Db.HashGetAsync(CountedHandler.CounterKey("dup"), "total"));
        Assert.Equal(1, await TestBus.EffectsCountAsync(Db));
    }

    [Fact]
    public async Task Versions_arriving_out_of_order_converge_on_the_newest()
    {
        await using var consumer = await TestBus.StartAsync(redis.ConnectionString, "consumer");
        var executor = consumer.Services.GetRequiredService<UnitOfWorkExecutor>();
        foreach (var (version, name) in new[] { (3L, "third"), (1L, "first"), (2L, "second") })
        {
            await executor.ExecuteAsync(null, (work, _) =>
            {
                work.Publish(TestCatalogue.ItemRenamed, "item-1", new ItemRenamed { ItemId = "item-1", Version = version, Name = name });
                return Task.CompletedTask;
            }, CancellationToken.None);
        }

        await TestBus.WaitUntilAsync(async () => await GroupEntriesReadAsync(TestCatalogue.ItemsTopic) == 3
            && await TestBus.PendingCountAsync(Db, TestCatalogue.ItemsTopic, "consumer") == 0, "all three versions were handled");
        Assert.Equal("third", (string?)await Db.HashGetAsync(ItemRenamedHandler.ItemKey("item-1"), "name"));
        Assert.Equal(3, (long)await Db.HashGetAsync(ItemRenamedHandler.ItemKey("item-1"), "version"));
    }

    /// <summary>The group's entries-read counter (XINFO GROUPS), so a test knows every copy was delivered.</summary>
    private async Task<long> GroupEntriesReadAsync(string topic = TestCatalogue.CountersTopic)
    {
        var groups = await Db.KeyExistsAsync(topic) ? await Db.StreamGroupInfoAsync(topic) : [];
        return groups.Length == 0 ? 0 : groups[0].EntriesRead ?? 0;
    }
}
