using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Tests.Service;

/// <summary>
/// Issue 12, holes 3 and 4 where time decides (SPEC 2): the 24 h of a placed-by-mistake claim and
/// the buyer's lone cancellation of a late order. The service runs on a <see cref="ManualClock"/>
/// that each test moves forward, so a day passes without waiting for it.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ClockedAttackTests(RedisFixture redis) : IAsyncLifetime
{
    private readonly ManualClock _clock = new();
    private OrdersHarness _orders = null!;

    public async Task InitializeAsync() => _orders = await OrdersHarness.StartAsync(redis, clock: _clock);

    public async Task DisposeAsync() => await _orders.DisposeAsync();

    [Fact]
    public async Task Hole3_a_buyer_claiming_placed_by_mistake_after_the_policy_time_is_refused_and_changes_nothing()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.Placed);
        var before = await _orders.StoredAsync(order.OrderId);

        _clock.Advance(TimeSpan.FromHours(25));
        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => Cancel(order.OrderId, parties.Buyer, CancellationReason.PlacedByMistake),
            "CANCELLATION_REASON_PLACED_BY_MISTAKE", "Orders:PlacedByMistakeWithin");
        await _orders.AssertUnchangedAsync(order.OrderId, before);
    }

    [Fact]
    public async Task Hole4_a_buyer_cannot_cancel_an_order_alone_before_it_is_late_and_it_changes_nothing()
    {
        var parties = new Parties();
        var placed = await _orders.OrderInStateAsync(parties, OrderState.Placed);
        var submitted = await _orders.OrderInStateAsync(parties, OrderState.RequirementsSubmitted);
        var working = await _orders.OrderInStateAsync(parties, OrderState.InProgress);

        foreach (var order in new[] { placed, submitted, working })
        {
            var before = await _orders.StoredAsync(order.OrderId);
            await Attack.RefusedAsync(StatusCode.FailedPrecondition,
                () => Cancel(order.OrderId, parties.Buyer, CancellationReason.Other), "only once it is late", "Resolution Center", "support");
            await _orders.AssertUnchangedAsync(order.OrderId, before);
        }
    }

    [Fact]
    public async Task Hole4_a_buyer_may_cancel_a_late_order_alone_and_it_is_recorded_as_the_buyers_cancellation()
    {
        var parties = new Parties();
        var working = await _orders.OrderInStateAsync(parties, OrderState.InProgress);

        _clock.Advance(TimeSpan.FromDays(8));   // due in 7 days, no delivery
        var cancelled = await Cancel(working.OrderId, parties.Buyer, CancellationReason.LateDelivery);
        Assert.Equal(OrderState.Cancelled, cancelled.State);
        Assert.Equal(CancellationInitiator.Buyer, cancelled.Cancellation.Initiator);
        Assert.Equal(CancellationReason.LateDelivery, cancelled.Cancellation.Reason);
    }

    [Fact]
    public async Task Hole4_a_buyer_cannot_make_an_order_late_by_withholding_the_requirements_and_then_cancel_it_alone()
    {
        var parties = new Parties();
        var placed = await _orders.OrderInStateAsync(parties, OrderState.Placed);
        var before = await _orders.StoredAsync(placed.OrderId);

        _clock.Advance(TimeSpan.FromDays(8));
        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => Cancel(placed.OrderId, parties.Buyer, CancellationReason.LateDelivery), "requirements were never submitted");
        await _orders.AssertUnchangedAsync(placed.OrderId, before);
    }

    /// <summary>
    /// The same attack with the requirements sent at the last moment: held back until past the due
    /// time, sent, and the order cancelled alone as late a moment later. The delivery time runs from
    /// the requirements, so the due time moved on by the time they took and the order is not late.
    /// </summary>
    [Fact]
    public async Task Hole4_requirements_sent_at_the_due_time_move_it_on_and_the_buyer_cannot_cancel_alone_as_late()
    {
        var parties = new Parties();
        var placed = await _orders.OrderInStateAsync(parties, OrderState.Placed);   // due in 7 days
        var placedDue = placed.DueAt.ToDateTimeOffset();

        _clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromHours(1));
        var submitted = await _orders.Client.SubmitRequirementsAsync(
            new SubmitRequirementsRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = placed.OrderId, Requirements = "at last" },
            Authorization(parties.Buyer)).ResponseAsync;
        var held = submitted.RequirementsSubmittedAt.ToDateTimeOffset() - placed.CreatedAt.ToDateTimeOffset();
        Assert.Equal(placedDue + held, submitted.DueAt.ToDateTimeOffset());
        Assert.Equal(placedDue, submitted.OriginalDueAt.ToDateTimeOffset());
        var before = await _orders.StoredAsync(placed.OrderId);

        _clock.Advance(TimeSpan.FromMinutes(1));
        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => Cancel(placed.OrderId, parties.Buyer, CancellationReason.LateDelivery), "only once it is late");
        await _orders.AssertUnchangedAsync(placed.OrderId, before);
    }

    private Task<OrderMessage> Cancel(string orderId, string bearer, CancellationReason reason) =>
        _orders.Client.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = orderId, Reason = reason,
        }, Authorization(bearer)).ResponseAsync;
}
