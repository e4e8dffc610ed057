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

    private OrdersHarness(ServiceHost host, RedisServer redis)
    {
        _host = host;
        _redis = redis;
    }

    /// <summary>The generated typed client of marketplace.orders.v1.OrdersService, talking to this host.</summary>
    public OrdersService.OrdersServiceClient Client => _host.Client<OrdersService.OrdersServiceClient>();

    public IDatabase Redis => _redis.Admin.GetDatabase();

    public static async Task<OrdersHarness> StartAsync(RedisFixture redis, IDictionary<string, string?>? settings = null)
    {
        var host = await ServiceHost.StartAsync("orders", redis.ConnectionString, b => b.AddOrders(), a => a.MapGrpcService<Api.OrdersApi>(), settings);
        return new OrdersHarness(host, redis.Server);
    }

    /// <summary>Places a valid order of the parties' Gig, due <paramref name="dueIn"/> from now (default 7 days).</summary>
    public Task<OrderMessage> PlaceAsync(Parties parties, TimeSpan? dueIn = null, string? requestId = null) =>
        Client.PlaceOrderAsync(ValidPlacement(parties, dueIn, requestId), Authorization(parties.Buyer)).ResponseAsync;

    public static PlaceOrderRequest ValidPlacement(Parties parties, TimeSpan? dueIn = null, string? requestId = null) => new()
    {
        RequestId = requestId ?? NewRequestId(),
        GigId = "gig-" + parties.SellerId,
        SellerId = parties.SellerId,
        Category = "graphics-design",
        Amount = new Money { CurrencyCode = "USD", AmountMinor = 4_500 },
        DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow + (dueIn ?? TimeSpan.FromDays(7))),
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
