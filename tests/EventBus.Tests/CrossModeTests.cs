using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.EventBus.Redis;
using Marketplace.Testing;
using Marketplace.Testing.Dapr;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>
/// The Dapr side, against the stand-in sidecar (real gRPC over HTTP/2 for publishing, real HTTP
/// deliveries): an entry written by the Redis transport handed to a Dapr-mode service's route;
/// <c>/dapr/subscribe</c> as the SDK builds it; SUCCESS/RETRY/DROP; publishing through
/// <c>DaprClient</c> with retries, parking of refused events; publish → deliver → handle →
/// dead-letter end to end.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class CrossModeTests(RedisFixture redis) : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync()
    {
        _http.Dispose();
        return Task.CompletedTask;
    }

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    private static Dictionary<string, string?> DaprMode(DaprSidecarStandIn sidecar, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>(sidecar.AppSettings) { ["EventBus:Transport"] = "Dapr" };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private Task<DaprSidecarStandIn> StartSidecarAsync(int maxAttempts = 3) =>
        DaprSidecarStandIn.StartAsync(new DaprSidecarOptions { Redis = redis.ConnectionString, MaxDeliveryAttempts = maxAttempts });

    private async Task<(HttpStatusCode Code, string? Status)> DeliverAsync(BusHost host, string topic, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
        using var response = await _http.PostAsync(new Uri(host.HttpAddress, Names.DeliveryPath(topic)), content);
        string text = await response.Content.ReadAsStringAsync();
        string? status = response.IsSuccessStatusCode ? JsonDocument.Parse(text).RootElement.GetProperty("status").GetString() : null;
        return (response.StatusCode, status);
    }

    [Fact]
    public async Task An_entry_written_by_the_Redis_transport_is_handled_when_a_sidecar_delivers_its_stored_bytes()
    {
        await using var sidecar = await StartSidecarAsync();
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);
        await using var subscriber = await TestBus.StartAsync(redis.ConnectionString, "subscriber", DaprMode(sidecar));
        await TestBus.PublishCountedAsync(publisher, "cross", 3);
        await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync(TestCatalogue.CountersTopic) == 1, "the relay wrote the topic entry");
        byte[] stored = (byte[])(await TestBus.ReadStreamAsync(Db, TestCatalogue.CountersTopic))[0]["data"]!;

        var first = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, stored);
        var again = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, stored);

        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), first);
        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), again);
        Assert.Equal(3, (long)await Db.HashGetAsync(CountedHandler.CounterKey("cross"), "total"));
        Assert.Equal(1, await TestBus.EffectsCountAsync(Db));
        Assert.Equal(-1, await TestBus.PendingCountAsync(Db, TestCatalogue.CountersTopic, "subscriber")); // Dapr mode: no Redis consumer group
    }

    [Fact]
    public async Task Dapr_subscribe_lists_each_handled_topic_with_a_rule_per_type_a_default_route_and_the_dead_letter_topic_on_the_HTTP_port_only()
    {
        await using var sidecar = await StartSidecarAsync();
        await using var subscriber = await TestBus.StartAsync(redis.ConnectionString, "subscriber", DaprMode(sidecar));

        await sidecar.AttachAppAsync(subscriber.HttpAddress);
        using var onGrpcPort = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var misplaced = await onGrpcPort.GetAsync(new Uri(subscriber.GrpcAddress, "/dapr/subscribe"));

        Assert.Equal(
            [
                new SidecarSubscription("pubsub", TestCatalogue.CountersTopic, [(TestCatalogue.Counted, "events/test-counters")], "events/test-counters", "subscriber.deadletter"),
                new SidecarSubscription("pubsub", TestCatalogue.ItemsTopic, [(TestCatalogue.ItemRenamed, "events/test-items")], "events/test-items", "subscriber.deadletter"),
            ],
            sidecar.Subscriptions.Select(s => s with { Rules = [.. s.Rules] }).ToArray(),
            new SubscriptionComparer());
        Assert.Equal(HttpStatusCode.NotFound, misplaced.StatusCode);
    }

    [Fact]
    public async Task Deliveries_are_answered_DROP_when_malformed_RETRY_when_failing_and_SUCCESS_when_ignored()
    {
        await using var sidecar = await StartSidecarAsync();
        await using var subscriber = await TestBus.StartAsync(redis.ConnectionString, "subscriber", DaprMode(sidecar));
        var catalogue = TestCatalogue.Create();
        byte[] Event(string type, Google.Protobuf.IMessage payload) =>
            CloudEvent.Create("publisher", catalogue.Get(type), "pubsub", "s", payload).ToJsonBytes();
        byte[] unknownType = Encoding.UTF8.GetBytes(
            """{"specversion":"1.0","id":"u-1","source":"other","type":"other.thing_happened.v1","time":"2026-01-01T00:00:00Z","datacontenttype":"application/json","data":{}}""");

        var notJson = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, Encoding.UTF8.GetBytes("not a cloud event"));
        var noType = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, Encoding.UTF8.GetBytes("""{"specversion":"1.0","id":"1","source":"x","time":"2026-01-01T00:00:00Z","data":{}}"""));
        var textData = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, Encoding.UTF8.GetBytes("""{"specversion":"1.0","id":"2","source":"x","type":"testing.counted.v1","time":"2026-01-01T00:00:00Z","data":"text"}"""));
        var badPayload = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, Event(TestCatalogue.Counted, new Counted { Key = "k", Amount = -1 }));
        var failing = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, Event(TestCatalogue.Counted, new Counted { Key = "flaky", Amount = 1 }));
        var ignored = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, unknownType);

        Assert.Equal((HttpStatusCode.OK, "DROP"), notJson);
        Assert.Equal((HttpStatusCode.OK, "DROP"), noType);
        Assert.Equal((HttpStatusCode.OK, "DROP"), textData);
        Assert.Equal((HttpStatusCode.OK, "DROP"), badPayload);
        Assert.Equal((HttpStatusCode.OK, "RETRY"), failing);
        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), ignored);
        Assert.Equal(0, await TestBus.EffectsCountAsync(Db));
    }

    [Fact]
    public async Task Committed_events_are_published_through_DaprClient_with_their_envelope_and_retried_when_the_sidecar_is_unavailable()
    {
        await using var sidecar = await StartSidecarAsync();
        sidecar.FailNextPublishes(StatusCode.Unavailable, StatusCode.Unavailable);
        await using var service = await TestBus.StartAsync(redis.ConnectionString, "daprpub", DaprMode(sidecar));
        var sent = await TestBus.PublishCountedAsync(service, "via-sidecar", 2);

        await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync("daprpub:outbox") == 0, "the outbox entry was removed");

        var calls = sidecar.Published;
        Assert.Equal([StatusCode.Unavailable, StatusCode.Unavailable, StatusCode.OK], calls.Select(c => c.Answer));
        Assert.All(calls, call =>
        {
            Assert.Equal(("pubsub", TestCatalogue.CountersTopic, "application/cloudevents+json"), (call.PubSubName, call.Topic, call.DataContentType));
            Assert.Equal(sent.ToJsonBytes(), call.Data);
        });
        var (_, stored) = Assert.Single(await TopicHistory.ReadAsync(Db, TestCatalogue.CountersTopic));
        Assert.Equal(sent.Id, stored.Id);
        Assert.Equal(0, await Db.StreamLengthOrZeroAsync("daprpub:outbox.deadletter"));
    }

    [Fact]
    public async Task An_event_the_sidecar_refuses_for_good_is_parked_once_and_does_not_hold_back_the_next()
    {
        await using var sidecar = await StartSidecarAsync();
        sidecar.FailNextPublishes(StatusCode.InvalidArgument);
        await using var service = await TestBus.StartAsync(redis.ConnectionString, "daprpub", DaprMode(sidecar));
        var refused = await TestBus.PublishCountedAsync(service, "refused", 1);
        var next = await TestBus.PublishCountedAsync(service, "next", 1);

        await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync("daprpub:outbox") == 0, "the outbox was emptied");

        var parked = Assert.Single(await TestBus.ReadStreamAsync(Db, "daprpub:outbox.deadletter"));
        Assert.Equal(refused.ToJsonBytes(), (byte[])parked["data"]!);
        Assert.Equal(TestCatalogue.CountersTopic, (string?)parked["topic"]);
        Assert.StartsWith("InvalidArgument", (string?)parked["error"], StringComparison.Ordinal);
        Assert.Equal([StatusCode.InvalidArgument, StatusCode.OK], sidecar.Published.Select(c => c.Answer));
        Assert.Equal(next.Id, Assert.Single(await TopicHistory.ReadAsync(Db, TestCatalogue.CountersTopic)).Event.Id);
    }

    [Fact]
    public async Task Published_through_the_sidecar_events_are_delivered_handled_once_and_poison_ones_dead_lettered()
    {
        await using var sidecar = await StartSidecarAsync(maxAttempts: 2);
        await using var subscriber = await TestBus.StartAsync(redis.ConnectionString, "subscriber", DaprMode(sidecar));
        await sidecar.AttachAppAsync(subscriber.HttpAddress);
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", DaprMode(sidecar), withHandlers: false);

        var healthy = await TestBus.PublishCountedAsync(publisher, "healthy", 5);
        var poison = await TestBus.PublishCountedAsync(publisher, "poison", -1);
        var flaky = await TestBus.PublishCountedAsync(publisher, "flaky", 1);

        await sidecar.WaitUntilAsync(s => s.DeadLetters.Count == 2, "the poison and the flaky events were dead-lettered");
        await TestBus.WaitUntilAsync(async () => await TestBus.EffectsCountAsync(Db) == 1, "the healthy event was handled");

        Assert.Equal(5, (long)await Db.HashGetAsync(CountedHandler.CounterKey("healthy"), "total"));
        var deliveries = sidecar.Deliveries;
        Assert.Equal(("/events/test-counters", 200, "SUCCESS"), deliveries.Where(d => d.EventId == healthy.Id).Select(d => (d.Path, d.HttpStatus, d.AppStatus)).Single());
        Assert.Equal(["DROP"], deliveries.Where(d => d.EventId == poison.Id).Select(d => d.AppStatus));
        Assert.Equal(["RETRY", "RETRY"], deliveries.Where(d => d.EventId == flaky.Id).Select(d => d.AppStatus));
        var letters = await TopicHistory.ReadAsync(Db, "subscriber.deadletter");
        Assert.Equal(new[] { flaky.Id, poison.Id }.Order(), letters.Select(l => l.Event.Id).Order());
        Assert.Equal(poison.ToJsonBytes(), sidecar.DeadLetters.Single(l => l.EventId == poison.Id).Data);
    }

    private sealed class SubscriptionComparer : IEqualityComparer<SidecarSubscription>
    {
        public bool Equals(SidecarSubscription? x, SidecarSubscription? y) =>
            x is not null && y is not null && x with { Rules = [] } == y with { Rules = [] } && x.Rules.SequenceEqual(y.Rules);

        public int GetHashCode(SidecarSubscription obj) => obj.Topic.GetHashCode(StringComparison.Ordinal);
    }
}
