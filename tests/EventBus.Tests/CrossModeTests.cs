using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>
/// The Dapr side: an entry written by the Redis transport, handed to a Dapr-mode service's
/// delivery route exactly as a sidecar would; <c>/dapr/subscribe</c>; SUCCESS/RETRY/DROP; and
/// publishing through the sidecar API with retries.
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

    private static Dictionary<string, string?> DaprMode(int sidecarPort) => new()
    {
        ["EventBus:Transport"] = "Dapr",
        ["EventBus:DaprHttpPort"] = sidecarPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private async Task<(HttpStatusCode Code, string? Status)> DeliverAsync(ServiceHost host, string topic, byte[] body)
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
        await using var sidecar = await FakeSidecar.StartAsync();
        await using var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false);
        await using var subscriber = await TestBus.StartAsync(redis.ConnectionString, "subscriber", DaprMode(sidecar.Port));
        await TestBus.PublishCountedAsync(publisher, "cross", 3);
        await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync(TestCatalogue.CountersTopic) == 1, "the relay wrote the topic entry");
        byte[] stored = (byte[])(await TestBus.ReadStreamAsync(Db, TestCatalogue.CountersTopic))[0].Fields[1]!;

        var first = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, stored);
        var again = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, stored);

        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), first);
        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), again);
        Assert.Equal(3, (long)await Db.HashGetAsync(CountedHandler.CounterKey("cross"), "total"));
        Assert.Equal(1, await TestBus.EffectsCountAsync(Db));
    }

    [Fact]
    public async Task Dapr_subscribe_lists_each_handled_topic_with_its_routes_and_dead_letter_topic()
    {
        await using var sidecar = await FakeSidecar.StartAsync();
        await using var subscriber = await TestBus.StartAsync(redis.ConnectionString, "subscriber", DaprMode(sidecar.Port));

        using var response = await _http.GetAsync(new Uri(subscriber.HttpAddress, "/dapr/subscribe"));
        string json = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """[{"pubsubname":"pubsub","topic":"test-counters","routes":{"rules":[{"match":"event.type == \u0022testing.counted.v1\u0022","path":"/events/test-counters"}],"default":"/events/test-counters"},"deadLetterTopic":"subscriber.deadletter","metadata":{}},"""
            + """{"pubsubname":"pubsub","topic":"test-items","routes":{"rules":[{"match":"event.type == \u0022testing.item_renamed.v1\u0022","path":"/events/test-items"}],"default":"/events/test-items"},"deadLetterTopic":"subscriber.deadletter","metadata":{}}]""",
            json);
    }

    [Fact]
    public async Task Deliveries_are_answered_DROP_when_malformed_RETRY_when_failing_and_SUCCESS_when_ignored()
    {
        await using var sidecar = await FakeSidecar.StartAsync();
        await using var subscriber = await TestBus.StartAsync(redis.ConnectionString, "subscriber", DaprMode(sidecar.Port));
        var catalogue = TestCatalogue.Create();
        byte[] Event(string type, string topic, Google.Protobuf.IMessage payload) =>
            CloudEvent.Create("publisher", catalogue.Get(type), "pubsub", "s", payload).ToJsonBytes();
        byte[] unknownType = Encoding.UTF8.GetBytes(
            """{"specversion":"1.0","id":"u-1","source":"other","type":"other.thing_happened.v1","time":"2026-01-01T00:00:00Z","datacontenttype":"application/json","data":{}}""");

        var notJson = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, Encoding.UTF8.GetBytes("not a cloud event"));
        var noType = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, Encoding.UTF8.GetBytes("""{"specversion":"1.0","id":"1","source":"x","time":"2026-01-01T00:00:00Z","data":{}}"""));
        var badPayload = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, Event(TestCatalogue.Counted, TestCatalogue.CountersTopic, new Counted { Key = "k", Amount = -1 }));
        var failing = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, Event(TestCatalogue.Counted, TestCatalogue.CountersTopic, new Counted { Key = "flaky", Amount = 1 }));
        var ignored = await DeliverAsync(subscriber, TestCatalogue.CountersTopic, unknownType);

        Assert.Equal((HttpStatusCode.OK, "DROP"), notJson);
        Assert.Equal((HttpStatusCode.OK, "DROP"), noType);
        Assert.Equal((HttpStatusCode.OK, "DROP"), badPayload);
        Assert.Equal((HttpStatusCode.OK, "RETRY"), failing);
        Assert.Equal((HttpStatusCode.OK, "SUCCESS"), ignored);
        Assert.Equal(0, await TestBus.EffectsCountAsync(Db));
    }

    [Fact]
    public async Task Committed_events_are_published_through_the_sidecar_with_their_envelope_and_retried_on_5xx()
    {
        await using var sidecar = await FakeSidecar.StartAsync(500, 503);
        await using var service = await TestBus.StartAsync(redis.ConnectionString, "daprpub", DaprMode(sidecar.Port));
        var sent = await TestBus.PublishCountedAsync(service, "via-sidecar", 2);

        await TestBus.WaitUntilAsync(() => Task.FromResult(sidecar.Snapshot().Length >= 3), "the sidecar accepted the publish");
        await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync("daprpub:outbox") == 0, "the outbox entry was removed");

        var requests = sidecar.Snapshot();
        Assert.Equal(3, requests.Length);
        Assert.All(requests, request =>
        {
            Assert.Equal("/v1.0/publish/pubsub/test-counters", request.Path);
            Assert.Equal("application/cloudevents+json", request.ContentType);
            Assert.Equal(sent.ToJsonBytes(), request.Body);
        });
        Assert.Equal(sent.Id, JsonDocument.Parse(requests[2].Body).RootElement.GetProperty("id").GetString());
        Assert.Equal(0, await Db.StreamLengthOrZeroAsync(TestCatalogue.CountersTopic));
    }
}
