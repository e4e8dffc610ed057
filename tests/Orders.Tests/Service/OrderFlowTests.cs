using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Grpc.Core;
using Marketplace.Platform;
using Marketplace.Testing;
using static Marketplace.Clients.PlatformClients;
using Xunit;

namespace Marketplace.Orders.Tests.Service;

/// <summary>The first flows over real gRPC against a real Redis: state, stored hash and published events.</summary>
[Collection(RedisCollection.Name)]
public sealed class OrderFlowTests(RedisFixture redis) : IAsyncLifetime
{
    private OrdersHarness _orders = null!;

    public async Task InitializeAsync() => _orders = await OrdersHarness.StartAsync(redis);

    public async Task DisposeAsync() => await _orders.DisposeAsync();

    [Fact]
    public async Task An_order_goes_from_placed_through_a_revision_to_completed_and_every_change_is_published_with_its_version()
    {
        var parties = new Parties();
        var placed = await _orders.PlaceAsync(parties);
        var id = placed.OrderId;
        Assert.StartsWith("ord-", id, StringComparison.Ordinal);
        Assert.Equal(parties.BuyerId, placed.BuyerId);
        Assert.Equal(OrderState.Placed, placed.State);

        var steps = new (string Rpc, Func<Task<Contracts.Orders.V1.Order>> Call, OrderState State)[]
        {
            ("SubmitRequirements", () => _orders.Client.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = id, Requirements = "a blue logo" }, Authorization(parties.Buyer)).ResponseAsync,
                OrderState.RequirementsSubmitted),
            ("StartWork", () => _orders.Client.StartWorkAsync(new StartWorkRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = id }, Authorization(parties.Seller)).ResponseAsync, OrderState.InProgress),
            ("DeliverOrder", () => _orders.Client.DeliverOrderAsync(new DeliverOrderRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = id, Message = "v1" }, Authorization(parties.Seller)).ResponseAsync,
                OrderState.Delivered),
            ("RequestRevision", () => _orders.Client.RequestRevisionAsync(new RequestRevisionRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = id, Details = "make it red" }, Authorization(parties.Buyer)).ResponseAsync,
                OrderState.RevisionRequested),
            ("StartWork", () => _orders.Client.StartWorkAsync(new StartWorkRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = id }, Authorization(parties.Seller)).ResponseAsync, OrderState.InProgress),
            ("DeliverOrder", () => _orders.Client.DeliverOrderAsync(new DeliverOrderRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = id, Message = "v2" }, Authorization(parties.Seller)).ResponseAsync,
                OrderState.Delivered),
            ("AcceptDelivery", () => _orders.Client.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = id }, Authorization(parties.Buyer)).ResponseAsync,
                OrderState.Completed),
        };
        long version = 1;
        foreach (var (rpc, call, state) in steps)
        {
            var order = await call();
            version++;
            Assert.True(state == order.State, $"{rpc}: expected {state}, got {order.State}");
            Assert.Equal(version, order.Version);
        }

        foreach (var reader in new[] { parties.Buyer, parties.Seller, parties.Support })
        {
            var read = await _orders.Client.GetOrderAsync(new GetOrderRequest { OrderId = id }, Authorization(reader)).ResponseAsync;
            Assert.Equal(OrderState.Completed, read.State);
            Assert.Equal(8, read.Version);
            Assert.Equal(2, read.DeliveryCount);
            Assert.Equal(1, read.RevisionCount);
            Assert.Equal(0, read.RevisionsBeyondIncluded);
            Assert.False(read.AutoCompleted);
        }

        var stored = await _orders.StoredAsync(id);
        Assert.Equal("8", stored["version"]);
        Assert.Equal(((int)OrderState.Completed).ToString(System.Globalization.CultureInfo.InvariantCulture), stored["state"]);
        Assert.False(stored.ContainsKey("auto_complete_at"));
        Assert.Null(await _orders.Redis.SortedSetScoreAsync(Store.OrderKeys.Timers, id));

        var events = await _orders.WaitForEventsAsync(id, 8);
        Assert.Equal(
            ["orders.order_placed.v1", "orders.requirements_submitted.v1", "orders.work_started.v1", "orders.order_delivered.v1",
             "orders.revision_requested.v1", "orders.work_started.v1", "orders.order_delivered.v1", "orders.order_completed.v1"],
            events.Select(e => e.Event.Type));
        Assert.All(events, e => Assert.Equal("orders", e.Event.Source));
        Assert.Equal(Enumerable.Range(1, 8).Select(v => (long)v), events.Select(e => SnapshotOf(e.Payload).Version));
        Assert.True(((WorkStarted)events[5].Payload).AfterRevision);
        Assert.Equal(2, ((OrderDelivered)events[6].Payload).DeliveryNumber);
        Assert.False(((OrderDelivered)events[6].Payload).Late);
        Assert.False(((OrderCompleted)events[7].Payload).Automatically);
    }

    [Fact]
    public async Task A_repeated_request_returns_the_first_answer_and_publishes_nothing_new()
    {
        var parties = new Parties();
        var placement = OrdersHarness.ValidPlacement(parties);
        var first = await _orders.Client.PlaceOrderAsync(placement, Authorization(parties.Buyer)).ResponseAsync;
        var again = await _orders.Client.PlaceOrderAsync(placement, Authorization(parties.Buyer)).ResponseAsync;
        Assert.Equal(first, again);

        var submit = new SubmitRequirementsRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = first.OrderId, Requirements = "r" };
        var submitted = await _orders.Client.SubmitRequirementsAsync(submit, Authorization(parties.Buyer)).ResponseAsync;
        await _orders.Client.StartWorkAsync(new StartWorkRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = first.OrderId }, Authorization(parties.Seller)).ResponseAsync;
        var storedBefore = await _orders.StoredAsync(first.OrderId);

        // The order has moved on; the repeat still answers what the first submission answered.
        var submittedAgain = await _orders.Client.SubmitRequirementsAsync(submit, Authorization(parties.Buyer)).ResponseAsync;
        Assert.Equal(submitted, submittedAgain);
        Assert.Equal(OrderState.RequirementsSubmitted, submittedAgain.State);
        Assert.Equal(storedBefore, await _orders.StoredAsync(first.OrderId));
        Assert.Single(await _orders.Redis.SortedSetRangeByRankAsync(Store.OrderKeys.AccountOrders(parties.BuyerId)));

        // Events leave the outbox in commit order: once the later delivery is on the stream, any
        // event the repeats had committed would be there too.
        await _orders.Client.DeliverOrderAsync(new DeliverOrderRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = first.OrderId }, Authorization(parties.Seller)).ResponseAsync;
        var events = await _orders.WaitForEventsAsync(first.OrderId, 4);
        Assert.Equal(
            ["orders.order_placed.v1", "orders.requirements_submitted.v1", "orders.work_started.v1", "orders.order_delivered.v1"],
            events.Select(e => e.Event.Type));
    }

    [Fact]
    public async Task A_request_id_reused_for_a_different_request_is_refused_and_changes_nothing()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.RequirementsSubmitted);
        var requestId = OrdersHarness.NewRequestId();
        await _orders.Client.StartWorkAsync(new StartWorkRequest { RequestId = requestId, OrderId = order.OrderId }, Authorization(parties.Seller)).ResponseAsync;
        var before = await _orders.StoredAsync(order.OrderId);

        var e = await Assert.ThrowsAsync<RpcException>(() => _orders.Client.DeliverOrderAsync(new DeliverOrderRequest { RequestId = requestId, OrderId = order.OrderId }, Authorization(parties.Seller)).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
        Assert.Contains("request_id", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await _orders.StoredAsync(order.OrderId));
    }

    [Fact]
    public async Task An_order_delivered_after_its_due_time_is_late_and_the_delivery_event_says_so()
    {
        // A due time is at least a day after placing (Orders:MinDueAfter): the service runs on the
        // real clock plus an offset that the test moves past it.
        var clock = new ManualClock();
        await using var orders = await OrdersHarness.StartAsync(redis, clock: clock);
        var parties = new Parties();
        var placed = await orders.PlaceAsync(parties, dueIn: TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await orders.Client.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = placed.OrderId, Requirements = "r" }, Authorization(parties.Buyer)).ResponseAsync;
        await orders.Client.StartWorkAsync(new StartWorkRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = placed.OrderId }, Authorization(parties.Seller)).ResponseAsync;
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(90));

        var delivered = await orders.Client.DeliverOrderAsync(new DeliverOrderRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = placed.OrderId }, Authorization(parties.Seller)).ResponseAsync;
        Assert.InRange(delivered.Lateness.ToTimeSpan(), TimeSpan.FromMinutes(89), TimeSpan.FromMinutes(100));
        // The due time moved on by the moments the requirements took (the delivery time runs from them).
        Assert.Equal(delivered.FirstDeliveredAt.ToDateTimeOffset() - delivered.DueAt.ToDateTimeOffset(), delivered.Lateness.ToTimeSpan());

        var events = await orders.WaitForEventsAsync(placed.OrderId, 4);
        Assert.True(((OrderDelivered)events[3].Payload).Late);
    }

    [Fact]
    public async Task Cancellations_record_the_initiator_from_the_callers_role_and_the_reason()
    {
        var parties = new Parties();
        var placed = await _orders.PlaceAsync(parties);
        var byBuyer = await _orders.Client.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = placed.OrderId, Reason = CancellationReason.PlacedByMistake, Note = "oops",
        }, Authorization(parties.Buyer)).ResponseAsync;
        Assert.Equal(OrderState.Cancelled, byBuyer.State);
        Assert.Equal(CancellationInitiator.Buyer, byBuyer.Cancellation.Initiator);
        Assert.Equal(CancellationReason.PlacedByMistake, byBuyer.Cancellation.Reason);
        Assert.Equal(PartyRole.Buyer, byBuyer.Cancellation.RequestedBy);

        var working = await _orders.OrderInStateAsync(parties, OrderState.InProgress);
        var bySeller = await _orders.Client.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = working.OrderId, Reason = CancellationReason.SellerUnableToDeliver,
        }, Authorization(parties.Seller)).ResponseAsync;
        Assert.Equal(CancellationInitiator.Seller, bySeller.Cancellation.Initiator);
        Assert.Equal(CancellationReason.SellerUnableToDeliver, bySeller.Cancellation.Reason);
        Assert.False(bySeller.Cancellation.BuyerUnresponsive);

        var events = await _orders.WaitForEventsAsync(working.OrderId, 4);
        var cancelled = Assert.IsType<OrderCancelled>(events[^1].Payload);
        Assert.Equal(CancellationInitiator.Seller, cancelled.Order.Cancellation.Initiator);
        Assert.Equal(4, cancelled.Order.Version);
    }

    [Fact]
    public async Task ListOrders_pages_through_the_callers_orders_newest_first()
    {
        var parties = new Parties();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _orders.PlaceAsync(parties)).OrderId);
        }

        var first = await _orders.Client.ListOrdersAsync(new ListOrdersRequest { PageSize = 2 }, Authorization(parties.Seller)).ResponseAsync;
        var second = await _orders.Client.ListOrdersAsync(new ListOrdersRequest { PageSize = 2, PageToken = first.NextPageToken }, Authorization(parties.Seller)).ResponseAsync;
        Assert.Equal([ids[2], ids[1], ids[0]], first.Orders.Concat(second.Orders).Select(o => o.OrderId));
        Assert.Equal("", second.NextPageToken);

        var stranger = await _orders.Client.ListOrdersAsync(new ListOrdersRequest(), Authorization(parties.Stranger)).ResponseAsync;
        Assert.Empty(stranger.Orders);
    }

    [Fact]
    public async Task ListOrders_pages_stay_put_while_new_orders_arrive_and_tokens_are_opaque()
    {
        // With offsets as tokens, two orders placed between the pages pushed the first page's last
        // two orders onto the second page: the client saw them twice.
        var parties = new Parties();
        var older = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            older.Add((await _orders.PlaceAsync(parties)).OrderId);
        }

        var first = await List(parties.Seller, 2, "");
        await _orders.PlaceAsync(parties);
        await _orders.PlaceAsync(parties);
        var second = await List(parties.Seller, 2, first.NextPageToken);

        Assert.Equal([older[3], older[2]], first.Orders.Select(o => o.OrderId));
        Assert.Equal([older[1], older[0]], second.Orders.Select(o => o.OrderId));
        Assert.Equal("", second.NextPageToken);
        Assert.DoesNotContain(older[2], first.NextPageToken, StringComparison.Ordinal); // not the id in clear

        foreach (var token in new[] { "2", "not a token", new string('A', 400), Convert.ToBase64String("x:y"u8.ToArray()) })
        {
            var refused = await Assert.ThrowsAsync<RpcException>(() => List(parties.Seller, 2, token));
            Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
            Assert.Contains("page_token", refused.Status.Detail, StringComparison.Ordinal);
        }
    }

    private Task<ListOrdersResponse> List(string bearer, int size, string token) =>
        _orders.Client.ListOrdersAsync(new ListOrdersRequest { PageSize = size, PageToken = token }, Authorization(bearer)).ResponseAsync;

    private static Contracts.Orders.V1.Order SnapshotOf(Google.Protobuf.IMessage payload) =>
        (Contracts.Orders.V1.Order)payload.Descriptor.FindFieldByName("order").Accessor.GetValue(payload);
}
