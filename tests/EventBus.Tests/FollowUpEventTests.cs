using System.Net.Http.Headers;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>Events a handler publishes are committed with its effect and the event's marker: a redelivery publishes nothing more.</summary>
[Collection(RedisCollection.Name)]
public sealed class FollowUpEventTests(RedisFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Turns each rename into a Counted event (as Scoring turns an order into a score change).</summary>
    internal sealed class RenameCounter : EventHandler<ItemRenamed>
    {
        public override string EventType => TestCatalogue.ItemRenamed;

        protected override Task HandleAsync(CloudEvent envelope, ItemRenamed payload, UnitOfWork work, CancellationToken cancellationToken)
        {
            work.HashSet("test:renames:{" + payload.ItemId + "}", envelope.Id, payload.Name);
            work.Publish(TestCatalogue.Counted, payload.ItemId, new Counted { Key = "renames", Amount = 1 });
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_redelivered_event_neither_repeats_the_effect_nor_republishes_the_follow_up()
    {
        var db = redis.Server.Admin.GetDatabase();
        var settings = TestBus.FastSettings();
        settings["EventBus:Transport"] = "Dapr";
        settings["DAPR_GRPC_ENDPOINT"] = "http://127.0.0.1:1"; // No sidecar listens: the relay keeps the follow-up in the outbox.
        await using var service = await BusHost.StartAsync(
            "renamer",
            redis.ConnectionString,
            builder => builder.AddEventBus(TestCatalogue.Create(), handlers => handlers.Add<RenameCounter>()),
            app => app.MapEventBus(),
            settings);
        byte[] delivery = CloudEvent.Create("items", TestCatalogue.Create().Get(TestCatalogue.ItemRenamed), "pubsub", "i-1",
            new ItemRenamed { ItemId = "i-1", Version = 1, Name = "new name" }).ToJsonBytes();

        using var http = new HttpClient();
        for (int i = 0; i < 3; i++)
        {
            using var content = new ByteArrayContent(delivery);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
            using var response = await http.PostAsync(new Uri(service.HttpAddress, Names.DeliveryPath(TestCatalogue.ItemsTopic)), content);
            Assert.Contains("SUCCESS", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(1, await db.HashLengthAsync("test:renames:{i-1}"));
        var outbox = Assert.Single(await TestBus.ReadStreamAsync(db, "renamer:outbox"));
        var followUp = CloudEvent.Parse((byte[])outbox["data"]!);
        Assert.Equal(TestCatalogue.Counted, followUp.Type);
        Assert.Equal("renamer", followUp.Source);
        Assert.Equal("i-1", followUp.Subject);
    }
}
