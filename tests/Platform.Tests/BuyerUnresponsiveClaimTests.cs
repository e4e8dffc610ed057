using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Messaging;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Platform.Tests;

/// <summary>
/// Issue 12, hole 3 across services (SPEC 2, 3): a seller's "buyer unresponsive" claim is refused
/// until the real Messaging service has marked the buyer on that order, and accepted once Orders has
/// learnt the mark from Messaging's event. Messaging runs on a clock the test moves, so its 24 h
/// unresponsive window passes without waiting; Orders keeps the real clock.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class BuyerUnresponsiveClaimTests(RedisFixture redis)
{
    [Fact]
    public async Task Hole3_a_seller_may_claim_buyer_unresponsive_only_after_Messaging_marked_the_silent_buyer_on_the_order()
    {
        var messagingClock = new OffsetClock();
        await using var orders = await Services.OrdersAsync(redis.ConnectionString);
        await using var messaging = await ServiceHost.StartAsync("messaging", redis.ConnectionString, b =>
        {
            b.AddMessaging();
            b.Services.AddSingleton<TimeProvider>(messagingClock);
        }, a => a.MapGrpcService<Messaging.Api.MessagingApi>(), Services.Settings(new Dictionary<string, string?> { ["Messaging:SweepIntervalMs"] = "50" }));
        var ordersClient = orders.Client<OrdersService.OrdersServiceClient>();
        var messagingClient = messaging.Client<MessagingService.MessagingServiceClient>();

        string tag = Guid.NewGuid().ToString("N")[..8];
        string buyerId = "buyer-" + tag, sellerId = "seller-" + tag;
        var buyer = Authorization(TestIdentity.Bearer(buyerId, CallerRole.Buyer));
        var seller = Authorization(TestIdentity.Bearer(sellerId, CallerRole.Seller));
        var order = await ordersClient.PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = "place-" + tag,
            GigId = "gig-" + tag,
            SellerId = sellerId,
            Category = "logo-design",
            Amount = new Money { CurrencyCode = "USD", AmountMinor = 5_000 },
            DueAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3)),
        }, buyer);

        // The attack: the buyer has not been silent at all yet.
        var refused = await Assert.ThrowsAsync<RpcException>(() => CancelAsync(ordersClient, order.OrderId, seller, "cancel-early-" + tag));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("buyer-unresponsive mark from Messaging", refused.Status.Detail, StringComparison.Ordinal);

        // The legitimate story: the seller asks for the requirements on the order's conversation
        // (Messaging learns of the order from Orders' event; until then the order has no parties there,
        // so the seller is refused as a non-party: permission before existence), and the buyer never answers.
        Conversation? conversation = null;
        await Wait.UntilAsync(async () =>
        {
            try
            {
                conversation = await messagingClient.StartConversationAsync(new StartConversationRequest
                {
                    RequestId = "ask-" + tag,
                    CounterpartId = buyerId,
                    OrderId = order.OrderId,
                    Text = "Could you send the requirements, please? I need your logo text to start.",
                    NeedsBuyerInput = true,
                }, seller);
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
            {
                return false;
            }
        }, "Messaging knows the order");
        Assert.Equal(order.OrderId, conversation!.OrderId);

        messagingClock.Advance(TimeSpan.FromHours(25));
        var marked = await WaitForOrderAsync(ordersClient, order.OrderId, seller, o => o.BuyerUnresponsiveMarks > 0, "Orders learns Messaging's mark");
        Assert.Equal(1, marked.BuyerUnresponsiveMarks);

        var cancelled = await CancelAsync(ordersClient, order.OrderId, seller, "cancel-" + tag);
        Assert.Equal(OrderState.Cancelled, cancelled.State);
        Assert.Equal(CancellationReason.BuyerUnresponsive, cancelled.Cancellation.Reason);
        Assert.True(cancelled.Cancellation.BuyerUnresponsive);
    }

    private static Task<Contracts.Orders.V1.Order> CancelAsync(OrdersService.OrdersServiceClient client, string orderId, Metadata seller, string requestId) =>
        client.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = requestId, OrderId = orderId, Reason = CancellationReason.BuyerUnresponsive, Note = "no requirements, no answer",
        }, seller).ResponseAsync;

    private static async Task<Contracts.Orders.V1.Order> WaitForOrderAsync(
        OrdersService.OrdersServiceClient client, string orderId, Metadata reader, Func<Contracts.Orders.V1.Order, bool> done, string what)
    {
        Contracts.Orders.V1.Order? last = null;
        await Wait.UntilAsync(async () => done(last = await client.GetOrderAsync(new GetOrderRequest { OrderId = orderId }, reader)), what);
        return last!;
    }

    /// <summary>The real clock plus an offset the test moves.</summary>
    private sealed class OffsetClock : TimeProvider
    {
        private long _offsetTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
    }
}
