using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Clients;
using Marketplace.Orders.Store;
using Marketplace.Platform;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using StackExchange.Redis;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Tests.Service;

/// <summary>
/// The Orders service in-process (ServiceHost, real Redis, real HTTP/2) with the generated typed client,
/// plus direct reads of what it stored and published, for asserting effects and non-effects.
/// </summary>
public sealed class OrdersHarness : IAsyncDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private readonly ServiceHost _host;
    private readonly RedisServer _redis;

    private readonly TimeProvider _clock;

    private OrdersHarness(ServiceHost host, RedisServer redis, TimeProvider clock)
    {
        _host = host;
        _redis = redis;
        _clock = clock;
    }

    /// <summary>The generated typed client of marketplace.orders.v1.OrdersService, talking to this host.</summary>
    public OrdersService.OrdersServiceClient Client => _host.Client<OrdersService.OrdersServiceClient>();

    public IDatabase Redis => _redis.Admin.GetDatabase();

    /// <summary>The running host (its services, e.g. the unit-of-work executor).</summary>
    public ServiceHost Host => _host;

    /// <summary>
    /// Starts Orders on the shared Redis. With <paramref name="clock"/>, the service reads "now" from it
    /// (policy windows, lateness); the bus and token checks keep the real clock.
    /// </summary>
    public static async Task<OrdersHarness> StartAsync(RedisFixture redis, IDictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        var all = new Dictionary<string, string?>
        {
            // Short waits so polling sees consumed events quickly; they never decide a pass or a fail.
            ["EventBus:ReadTimeoutMs"] = "200",
            ["EventBus:RedeliverIntervalMs"] = "500",
            ["EventBus:ProcessingTimeoutMs"] = "2000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = await ServiceHost.StartAsync("orders", redis.ConnectionString, b =>
        {
            b.AddOrders();
            if (clock is not null)
            {
                b.Services.AddSingleton(clock);
            }
        }, a => a.MapGrpcService<Api.OrdersApi>(), all);
        return new OrdersHarness(host, redis.Server, clock ?? TimeProvider.System);
    }

    /// <summary>
    /// Appends an event to its topic stream exactly as another service's outbox relay does
    /// (<c>XADD &lt;topic&gt; * data &lt;CloudEvent JSON&gt; metadata {}</c>), so Orders consumes it through
    /// its real consumer group. Returns the envelope (its id, to send the same event twice).
    /// </summary>
    public async Task<CloudEvent> AppendEventAsync(string source, IMessage payload, string subject, CloudEvent? repeat = null)
    {
        var envelope = repeat ?? CloudEvent.Create(source, PlatformEvents.Catalogue.Get(PlatformEvents.TypeOf(payload.Descriptor)), "pubsub", subject, payload);
        await Redis.StreamAddAsync(envelope.Topic, [new NameValueEntry("data", envelope.ToJsonBytes()), new NameValueEntry("metadata", "{}")]);
        return envelope;
    }

    /// <summary>Waits until Orders' consumer group has read and acknowledged every entry of <paramref name="topic"/> so far.</summary>
    public Task ConsumedAsync(string topic) =>
        Wait.UntilAsync(async () =>
        {
            var last = (await Redis.StreamInfoAsync(topic)).LastGeneratedId;
            var group = (await Redis.StreamGroupInfoAsync(topic)).SingleOrDefault(g => g.Name == "orders");
            return group.Name is not null && group.PendingMessageCount == 0 && group.LastDeliveredId == last;
        }, $"Orders has handled every entry of {topic}", WaitLimit);

    /// <summary>
    /// Asserts that a refused call changed nothing: the stored order is as before, and every event
    /// about it that was committed (one per version) is on the stream, and no other.
    /// </summary>
    public async Task AssertUnchangedAsync(string orderId, IReadOnlyDictionary<string, string> before)
    {
        Assert.Equal(before, await StoredAsync(orderId));
        long version = long.Parse(before["version"], System.Globalization.CultureInfo.InvariantCulture);
        await Wait.UntilAsync(async () => await Redis.StreamLengthAsync("orders:outbox") == 0, "the orders outbox is relayed");
        Assert.Equal(version, (await EventsOfAsync(orderId)).Count);
    }

    /// <summary>Places a valid order of the parties' Gig, due <paramref name="dueIn"/> from the service's now (default 7 days).</summary>
    public Task<OrderMessage> PlaceAsync(Parties parties, TimeSpan? dueIn = null, string? requestId = null) =>
        Client.PlaceOrderAsync(ValidPlacement(parties, dueIn, requestId, _clock.GetUtcNow()), Authorization(parties.Buyer)).ResponseAsync;

    public static PlaceOrderRequest ValidPlacement(Parties parties, TimeSpan? dueIn = null, string? requestId = null, DateTimeOffset? now = null) => new()
    {
        RequestId = requestId ?? NewRequestId(),
        GigId = "gig-" + parties.SellerId,
        SellerId = parties.SellerId,
        Category = "graphics-design",
        Amount = new Money { CurrencyCode = "USD", AmountMinor = 4_500 },
        DueAt = Timestamp.FromDateTimeOffset((now ?? DateTimeOffset.UtcNow) + (dueIn ?? TimeSpan.FromDays(7))),
        RevisionsIncluded = 1,
    };

    public static string NewRequestId() => "req-" + Guid.NewGuid().ToString("N");

    /// <summary>Drives a new order to <paramref name="state"/> along the main path.</summary>
    public async Task<OrderMessage> OrderInStateAsync(Parties parties, OrderState state)
    {
        var order = await PlaceAsync(parties);
        var id = order.OrderId;
        if (state == OrderState.Placed)
        {
            return order;
        }

        order = await Client.SubmitRequirementsAsync(
            new SubmitRequirementsRequest { RequestId = NewRequestId(), OrderId = id, Requirements = "a logo" }, Authorization(parties.Buyer));
        if (state == OrderState.RequirementsSubmitted)
        {
            return order;
        }

        order = await Client.StartWorkAsync(new StartWorkRequest { RequestId = NewRequestId(), OrderId = id }, Authorization(parties.Seller));
        if (state == OrderState.InProgress)
        {
            return order;
        }

        order = await Client.DeliverOrderAsync(new DeliverOrderRequest { RequestId = NewRequestId(), OrderId = id }, Authorization(parties.Seller));
        if (state == OrderState.Delivered)
        {
            return order;
        }

        if (state == OrderState.Completed)
        {
            return await Client.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = NewRequestId(), OrderId = id }, Authorization(parties.Buyer));
        }

        throw new ArgumentOutOfRangeException(nameof(state), state, "not on the main path");
    }

    /// <summary>The order hash exactly as stored (empty when absent).</summary>
    public async Task<IReadOnlyDictionary<string, string>> StoredAsync(string orderId)
    {
        var entries = await Redis.HashGetAllAsync(OrderKeys.Order(orderId));
        return entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
    }

    /// <summary>The CloudEvents about <paramref name="orderId"/> on the <c>orders</c> topic stream, oldest first.</summary>
    public async Task<IReadOnlyList<(CloudEvent Event, IMessage Payload)>> EventsOfAsync(string orderId)
    {
        return (await TopicHistory.ReadAsync(Redis, PlatformEvents.Topics.Orders))
            .Select(e => e.Event)
            .Where(e => e.Subject == orderId)
            .Select(e => (e, e.ReadPayload(PlatformEvents.Catalogue.Get(e.Type))))
            .ToList();
    }

    /// <summary>Waits (up to 30 s) until at least <paramref name="count"/> events about the order were relayed, and returns them all.</summary>
    public async Task<IReadOnlyList<(CloudEvent Event, IMessage Payload)>> WaitForEventsAsync(string orderId, int count)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            var events = await EventsOfAsync(orderId);
            if (events.Count >= count || DateTime.UtcNow > deadline)
            {
                return events;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Polls GetOrder (as <paramref name="bearer"/>) until <paramref name="done"/> holds or 30 s pass; returns the last answer.</summary>
    public async Task<OrderMessage> WaitForOrderAsync(string orderId, string bearer, Func<OrderMessage, bool> done)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        while (true)
        {
            var order = await Client.GetOrderAsync(new GetOrderRequest { OrderId = orderId }, Authorization(bearer));
            if (done(order) || DateTime.UtcNow > deadline)
            {
                return order;
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
    }
}
