using System.Text.Json;
using Google.Protobuf;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>One handler instance for every type of a topic that carries a snapshot (the services' order snapshot consumers).</summary>
[Collection(RedisCollection.Name)]
public sealed class SnapshotHandlerTests(RedisFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    private sealed class ItemCreatedHandler : EventHandler<ItemCreated>
    {
        public override string EventType => TestCatalogue.ItemCreated;

        protected override Task HandleAsync(CloudEvent envelope, ItemCreated payload, UnitOfWork work, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class NothingToSnapshot() : SnapshotEventHandler<Item>(TestCatalogue.CountersTopic, "item")
    {
        protected override Task HandleAsync(CloudEvent envelope, Item snapshot, UnitOfWork work, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public void A_snapshot_handler_takes_every_type_of_its_topic_that_carries_the_snapshot_and_no_other()
    {
        var table = new EventHandlerTable(TestCatalogue.Create(), [new ItemSnapshotHandler(), new ItemRenamedHandler()]);

        Assert.Equal([TestCatalogue.ItemsTopic], table.Topics);
        Assert.Equal([TestCatalogue.ItemArchived, TestCatalogue.ItemCreated, TestCatalogue.ItemRenamed], table.TypesByTopic[TestCatalogue.ItemsTopic]);
        Assert.True(table.TryGet(TestCatalogue.ItemCreated, out var created));
        Assert.True(table.TryGet(TestCatalogue.ItemArchived, out var archived));
        Assert.True(table.TryGet(TestCatalogue.ItemRenamed, out var renamed));
        Assert.IsType<ItemSnapshotHandler>(created);
        Assert.Same(created, archived);
        Assert.IsType<ItemRenamedHandler>(renamed);
        Assert.False(table.TryGet(TestCatalogue.Counted, out _));
    }

    [Fact]
    public void A_new_event_type_of_that_shape_is_handled_without_touching_the_handler()
    {
        var catalogue = TestCatalogue.Create().Add(TestCatalogue.ItemsTopic, "testing.item_restored.v1", ItemArchived.Parser);

        var table = new EventHandlerTable(catalogue, [new ItemSnapshotHandler()]);

        Assert.True(table.TryGet("testing.item_restored.v1", out var restored));
        Assert.IsType<ItemSnapshotHandler>(restored);
    }

    [Fact]
    public void Overlapping_handlers_and_a_snapshot_handler_that_matches_nothing_are_refused_at_start()
    {
        var twice = Assert.Throws<InvalidOperationException>(() => new EventHandlerTable(TestCatalogue.Create(), [new ItemSnapshotHandler(), new ItemCreatedHandler()]));
        var none = Assert.Throws<InvalidOperationException>(() => new EventHandlerTable(TestCatalogue.Create(), [new NothingToSnapshot()]));

        Assert.Equal("'testing.item_created.v1' has two handlers: ItemSnapshotHandler and ItemCreatedHandler.", twice.Message);
        Assert.Equal("NothingToSnapshot handles no event type of the catalogue.", none.Message);
    }

    [Fact]
    public async Task Every_snapshot_type_reaches_the_one_handler_through_the_bus_and_an_event_without_its_snapshot_is_dead_lettered()
    {
        await using var consumer = await BusHost.StartAsync(
            "items",
            redis.ConnectionString,
            builder => builder.AddEventBus(TestCatalogue.Create(), handlers => handlers.Add<ItemSnapshotHandler>()),
            app => app.MapEventBus(),
            TestBus.FastSettings());
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);
        var executor = publisher.Services.GetRequiredService<UnitOfWorkExecutor>();
        async Task<CloudEvent> PublishAsync(string type, IMessage payload) =>
            (await executor.ExecuteAsync(null, (work, _) =>
            {
                work.Publish(type, "i-1", payload);
                return Task.CompletedTask;
            }, CancellationToken.None)).Events.Single();

        await PublishAsync(TestCatalogue.ItemArchived, new ItemArchived { Item = new Item { ItemId = "i-1", Version = 2, Name = "lamp", State = "archived" }, Reason = "sold out" });
        await PublishAsync(TestCatalogue.ItemCreated, new ItemCreated { Item = new Item { ItemId = "i-1", Version = 1, Name = "lamp", State = "active" } });
        var empty = await PublishAsync(TestCatalogue.ItemArchived, new ItemArchived { Reason = "no snapshot" });

        await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync("items.deadletter") == 1, "the event without a snapshot was dead-lettered");
        await TestBus.WaitUntilAsync(async () => (await Db.HashGetAllAsync(ItemSnapshotHandler.TypesKey)).Length == 2, "both types were handled");

        Assert.Equal(
            [new HashEntry(TestCatalogue.ItemArchived, 1), new HashEntry(TestCatalogue.ItemCreated, 1)],
            (await Db.HashGetAllAsync(ItemSnapshotHandler.TypesKey)).OrderBy(e => (string)e.Name!));
        Assert.Equal("archived", (string?)await Db.HashGetAsync(ItemSnapshotHandler.SnapshotKey("i-1"), "state"));
        var letter = Assert.Single(await TestBus.ReadStreamAsync(Db, "items.deadletter"));
        Assert.Equal(empty.ToJsonBytes(), (byte[])letter["data"]!);
        Assert.Contains("has no 'item' snapshot", JsonDocument.Parse((string)letter["metadata"]!).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);

        using var http = new HttpClient();
        string subscriptions = await http.GetStringAsync(new Uri(consumer.HttpAddress, "/dapr/subscribe"));
        Assert.Contains("event.type == \\u0022testing.item_archived.v1\\u0022", subscriptions, StringComparison.Ordinal);
        Assert.Contains("event.type == \\u0022testing.item_created.v1\\u0022", subscriptions, StringComparison.Ordinal);
        Assert.DoesNotContain("testing.item_renamed.v1", subscriptions, StringComparison.Ordinal);
    }
}
