using System.Collections;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Hosting.Telemetry;
using Marketplace.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Platform.Tests;

/// <summary>One trace from a gRPC call in Orders, through the event it publishes, into Scoring's handler.</summary>
[Collection(RedisCollection.Name)]
public sealed class TraceTests(RedisFixture redis)
{
    [Fact]
    public async Task PlaceOrder_in_Orders_and_Scorings_handling_of_its_event_are_one_trace()
    {
        await redis.FlushAsync();
        var spans = new LockedList<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(TelemetryDefaults.SourcePrefix + "*")
            .AddAspNetCoreInstrumentation()
            .AddInMemoryExporter(spans)
            .Build();
        await using var orders = await Services.OrdersAsync(redis.ConnectionString);
        await using var scoring = await Services.ScoringAsync(redis.ConnectionString);

        string buyer = "buyer-" + Guid.NewGuid().ToString("N")[..8];
        var placed = await orders.Client<OrdersService.OrdersServiceClient>().PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = Guid.NewGuid().ToString("N"),
            GigId = "gig-traced",
            SellerId = "seller-traced",
            Category = "logo-design",
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 5_000 },
            DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3)),
        }, Authorization(TestIdentity.Bearer(buyer, CallerRole.Buyer)));

        var server = await Wait.ForAsync(() => spans.Snapshot().FirstOrDefault(s =>
            s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore"
            && (s.GetTagItem("url.path") as string ?? s.DisplayName).EndsWith("/PlaceOrder", StringComparison.Ordinal)), "the PlaceOrder server span");
        var handled = await Wait.ForAsync(() => spans.Snapshot().FirstOrDefault(s =>
            s.Source.Name == EventBusTelemetry.Name && s.TraceId == server.TraceId
            && (string?)s.GetTagItem("cloudevents.event_type") == PlatformEvents.TypeOf(OrderPlaced.Descriptor)), "Scoring's span handling orders.order_placed.v1");

        var events = await TopicHistory.ReadAsync(redis.Server.Admin.GetDatabase(), PlatformEvents.Topics.Orders);
        var published = Assert.Single(events, e => e.Event.Subject == placed.OrderId).Event;
        Assert.True(ActivityContext.TryParse(published.TraceParent, null, out var publishedContext));
        Assert.Equal(server.TraceId, publishedContext.TraceId);           // the event carries the call's trace
        Assert.Equal(server.SpanId, publishedContext.SpanId);             // ... published from within the call
        Assert.Equal(ActivityKind.Consumer, handled.Kind);
        Assert.Equal(server.SpanId, handled.ParentSpanId);                // Scoring's handling is the call's child
        Assert.Equal(published.Id, handled.GetTagItem("cloudevents.event_id"));
        Assert.Equal("orders", (string?)handled.GetTagItem("cloudevents.event_source"));
    }

    /// <summary>A list the exporter may append to from any thread while the test reads it.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public IReadOnlyList<T> Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(T item) => Snapshot().Contains(item);

        public void CopyTo(T[] array, int arrayIndex) => Snapshot().ToList().CopyTo(array, arrayIndex);

        public bool Remove(T item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
