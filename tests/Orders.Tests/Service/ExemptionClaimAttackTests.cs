using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Platform;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Tests.Service;

/// <summary>
/// Issue 12, hole 3 (SPEC 2): a reason that exempts the seller is a claim checked against the
/// order's facts. Each test is the attack a seller would try over gRPC; Messaging's marks reach
/// Orders as they do in production, as entries of the <c>messaging</c> topic stream.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ExemptionClaimAttackTests(RedisFixture redis) : IAsyncLifetime
{
    private OrdersHarness _orders = null!;

    public async Task InitializeAsync() => _orders = await OrdersHarness.StartAsync(redis);

    public async Task DisposeAsync() => await _orders.DisposeAsync();

    [Fact]
    public async Task Hole3_a_seller_claiming_buyer_unresponsive_without_a_mark_from_Messaging_is_refused_and_changes_nothing()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.InProgress);
        var before = await _orders.StoredAsync(order.OrderId);

        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => Cancel(order.OrderId, parties.Seller, CancellationReason.BuyerUnresponsive),
            "CANCELLATION_REASON_BUYER_UNRESPONSIVE", "buyer-unresponsive mark");
        // The flag is the same claim under another reason.
        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => Cancel(order.OrderId, parties.Seller, CancellationReason.SellerUnableToDeliver, buyerUnresponsive: true),
            "buyer_unresponsive", "buyer-unresponsive mark");
        // Support's direct cancellation makes no unsupported claim either.
        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => Cancel(order.OrderId, parties.Support, CancellationReason.BuyerUnresponsive),
            "buyer-unresponsive mark");

        await _orders.AssertUnchangedAsync(order.OrderId, before);
    }

    [Fact]
    public async Task Hole3_Messagings_marks_are_counted_once_each_and_then_the_seller_may_cancel_as_buyer_unresponsive()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.InProgress);

        // One mark, delivered twice (same CloudEvent id) and republished under a new id; a second
        // conversation's mark; a mark on a conversation with no order and one about an unknown
        // order, which must not stall the others.
        var first = await _orders.AppendEventAsync("messaging", Mark(parties, order.OrderId, "conv-a", count: 1), "conv-a");
        await _orders.AppendEventAsync("messaging", Mark(parties, order.OrderId, "conv-a", count: 1), "conv-a", repeat: first);
        await _orders.AppendEventAsync("messaging", Mark(parties, order.OrderId, "conv-a", count: 1), "conv-a");
        await _orders.AppendEventAsync("messaging", Mark(parties, "", "conv-free", count: 1), "conv-free");
        await _orders.AppendEventAsync("messaging", Mark(parties, "ord-unknown-" + Guid.NewGuid().ToString("N"), "conv-x", count: 1), "conv-x");
        await _orders.AppendEventAsync("messaging", Mark(parties, order.OrderId, "conv-b", count: 1), "conv-b");
        await _orders.ConsumedAsync(PlatformEvents.Topics.Messaging);

        var marked = await _orders.Client.GetOrderAsync(new GetOrderRequest { OrderId = order.OrderId }, Authorization(parties.Seller));
        Assert.Equal(2, marked.BuyerUnresponsiveMarks);
        Assert.Equal(order.Version, marked.Version);   // a fact learnt from Messaging, not an order change of its own

        // A late copy of an older count (out of order) changes nothing; a newer count adds one.
        await _orders.AppendEventAsync("messaging", Mark(parties, order.OrderId, "conv-a", count: 2), "conv-a");
        await _orders.AppendEventAsync("messaging", Mark(parties, order.OrderId, "conv-a", count: 1), "conv-a");
        await _orders.ConsumedAsync(PlatformEvents.Topics.Messaging);
        Assert.Equal(3, (await _orders.Client.GetOrderAsync(new GetOrderRequest { OrderId = order.OrderId }, Authorization(parties.Buyer))).BuyerUnresponsiveMarks);

        var cancelled = await Cancel(order.OrderId, parties.Seller, CancellationReason.BuyerUnresponsive);
        Assert.Equal(OrderState.Cancelled, cancelled.State);
        Assert.Equal(CancellationInitiator.Seller, cancelled.Cancellation.Initiator);
        Assert.True(cancelled.Cancellation.BuyerUnresponsive);
        Assert.Equal(3, cancelled.BuyerUnresponsiveMarks);
        var events = await _orders.WaitForEventsAsync(order.OrderId, (int)cancelled.Version);
        Assert.Equal(3, Assert.IsType<OrderCancelled>(events[^1].Payload).Order.BuyerUnresponsiveMarks);
    }

    [Fact]
    public async Task Hole3_a_seller_claiming_missing_requirements_after_the_buyer_submitted_them_is_refused()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.InProgress);
        var before = await _orders.StoredAsync(order.OrderId);

        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => Cancel(order.OrderId, parties.Seller, CancellationReason.MissingRequirements),
            "CANCELLATION_REASON_MISSING_REQUIREMENTS", "never submitted");
        await _orders.AssertUnchangedAsync(order.OrderId, before);

        // While they were never submitted, the claim holds.
        var waiting = await _orders.OrderInStateAsync(parties, OrderState.Placed);
        var cancelled = await Cancel(waiting.OrderId, parties.Seller, CancellationReason.MissingRequirements);
        Assert.Equal(CancellationReason.MissingRequirements, cancelled.Cancellation.Reason);
    }

    [Fact]
    public async Task Hole3_only_the_buyer_may_claim_an_order_was_placed_by_mistake_or_twice()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.Placed);
        var before = await _orders.StoredAsync(order.OrderId);

        foreach (var reason in new[] { CancellationReason.PlacedByMistake, CancellationReason.DuplicateOrder })
        {
            await Attack.RefusedAsync(StatusCode.FailedPrecondition, () => Cancel(order.OrderId, parties.Seller, reason), "only the buyer", Names.Proto(reason));
            await Attack.RefusedAsync(StatusCode.FailedPrecondition, () => Cancel(order.OrderId, parties.Support, reason), "only the buyer");
        }

        await _orders.AssertUnchangedAsync(order.OrderId, before);
    }

    [Fact]
    public async Task Hole3_a_buyer_claiming_placed_by_mistake_once_work_started_is_refused()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.InProgress);
        var before = await _orders.StoredAsync(order.OrderId);

        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => Cancel(order.OrderId, parties.Buyer, CancellationReason.DuplicateOrder), "before work started");
        await _orders.AssertUnchangedAsync(order.OrderId, before);
    }

    [Fact]
    public async Task Hole3_exempting_claims_in_the_Resolution_Center_are_checked_when_opened_and_again_when_accepted()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.Placed);
        var before = await _orders.StoredAsync(order.OrderId);

        // Opening: an unsupported claim never reaches the buyer (or support, by escalation).
        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => OpenCancellation(order.OrderId, parties.Seller, CancellationReason.BuyerUnresponsive), "buyer-unresponsive mark");
        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => OpenCancellation(order.OrderId, parties.Seller, CancellationReason.PlacedByMistake), "only the buyer");
        await _orders.AssertUnchangedAsync(order.OrderId, before);

        // A claim that held when opened but no longer does when accepted is refused then.
        var opened = await OpenCancellation(order.OrderId, parties.Seller, CancellationReason.MissingRequirements);
        var resolutionId = opened.Resolutions.Single().ResolutionId;
        await _orders.Client.SubmitRequirementsAsync(
            new SubmitRequirementsRequest { RequestId = OrdersHarness.NewRequestId(), OrderId = order.OrderId, Requirements = "here they are" }, Authorization(parties.Buyer));
        var submitted = await _orders.StoredAsync(order.OrderId);

        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => _orders.Client.RespondToResolutionAsync(new RespondToResolutionRequest
            {
                RequestId = OrdersHarness.NewRequestId(), OrderId = order.OrderId, ResolutionId = resolutionId, Accept = true,
            }, Authorization(parties.Buyer)).ResponseAsync,
            "CANCELLATION_REASON_MISSING_REQUIREMENTS", "never submitted");
        await _orders.AssertUnchangedAsync(order.OrderId, submitted);
    }

    [Fact]
    public async Task Hole3_support_granting_a_disputed_cancellation_records_its_own_verdict_not_the_sellers_claim()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.Placed);
        var opened = await OpenCancellation(order.OrderId, parties.Seller, CancellationReason.MissingRequirements);
        var resolutionId = opened.Resolutions.Single().ResolutionId;
        await _orders.Client.RespondToResolutionAsync(new RespondToResolutionRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = order.OrderId, ResolutionId = resolutionId, Accept = false,
        }, Authorization(parties.Buyer));
        await _orders.Client.EscalateResolutionAsync(new EscalateResolutionRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = order.OrderId, ResolutionId = resolutionId,
        }, Authorization(parties.Seller));

        var granted = await _orders.Client.ResolveDisputeAsync(new ResolveDisputeRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = order.OrderId, ResolutionId = resolutionId, Grant = true, InSellersFavour = false,
        }, Authorization(parties.Support));
        Assert.Equal(CancellationInitiator.Support, granted.Cancellation.Initiator);
        Assert.Equal(CancellationReason.SupportInBuyersFavour, granted.Cancellation.Reason);
        Assert.False(granted.Cancellation.BuyerUnresponsive);
    }

    private Task<OrderMessage> Cancel(string orderId, string bearer, CancellationReason reason, bool buyerUnresponsive = false) =>
        _orders.Client.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = orderId, Reason = reason, BuyerUnresponsive = buyerUnresponsive,
        }, Authorization(bearer)).ResponseAsync;

    private Task<OrderMessage> OpenCancellation(string orderId, string bearer, CancellationReason reason) =>
        _orders.Client.OpenResolutionAsync(new OpenResolutionRequest
        {
            RequestId = OrdersHarness.NewRequestId(), OrderId = orderId, Kind = ResolutionKind.Cancellation, CancellationReason = reason, Message = "please",
        }, Authorization(bearer)).ResponseAsync;

    /// <summary>
    /// The attack: the buyer answered the marked wait; days later, the order late and undelivered,
    /// the seller cancels it as "buyer unresponsive" on the strength of the old mark. Refused; a new
    /// mark (a new request left unanswered) backs the claim again. Messaging's events reach Orders as
    /// in production; a seller's message and a buyer's message in a conversation without marks read
    /// nothing.
    /// </summary>
    [Fact]
    public async Task Hole3_a_mark_the_buyer_answered_no_longer_backs_a_buyer_unresponsive_cancellation()
    {
        var parties = new Parties();
        var order = await _orders.OrderInStateAsync(parties, OrderState.InProgress);
        await _orders.AppendEventAsync("messaging", Mark(parties, order.OrderId, "conv-a", count: 1), "conv-a");
        await _orders.AppendEventAsync("messaging", Message(parties, order.OrderId, "conv-a", PartyRole.Seller, version: 4, marks: 1), "conv-a");
        await _orders.AppendEventAsync("messaging", Message(parties, order.OrderId, "conv-a", PartyRole.Buyer, version: 5, marks: 1), "conv-a");
        await _orders.AppendEventAsync("messaging", Message(parties, order.OrderId, "conv-z", PartyRole.Buyer, version: 2, marks: 0), "conv-z");
        await _orders.ConsumedAsync(PlatformEvents.Topics.Messaging);
        var before = await _orders.StoredAsync(order.OrderId);

        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => Cancel(order.OrderId, parties.Seller, CancellationReason.BuyerUnresponsive), "still unresponsive", "answered");
        await Attack.RefusedAsync(StatusCode.FailedPrecondition,
            () => OpenCancellation(order.OrderId, parties.Seller, CancellationReason.BuyerUnresponsive), "still unresponsive");
        await _orders.AssertUnchangedAsync(order.OrderId, before);

        await _orders.AppendEventAsync("messaging", Mark(parties, order.OrderId, "conv-a", count: 2, version: 7), "conv-a");
        await _orders.ConsumedAsync(PlatformEvents.Topics.Messaging);
        var cancelled = await Cancel(order.OrderId, parties.Seller, CancellationReason.BuyerUnresponsive);
        Assert.True(cancelled.Cancellation.BuyerUnresponsive);
    }

    /// <summary>A message as Messaging publishes it: the conversation after it, with its marks so far.</summary>
    private static MessageSent Message(Parties parties, string orderId, string conversationId, PartyRole sender, long version, int marks)
    {
        var now = DateTimeOffset.UtcNow;
        return new MessageSent
        {
            Conversation = new Conversation
            {
                ConversationId = conversationId,
                Version = version,
                BuyerId = parties.BuyerId,
                SellerId = parties.SellerId,
                OrderId = orderId,
                OpenedBy = PartyRole.Seller,
                StartedAt = Timestamp.FromDateTimeOffset(now.AddDays(-2)),
                LastMessageAt = Timestamp.FromDateTimeOffset(now),
                MessageCount = (int)version,
                BuyerUnresponsiveCount = marks,
            },
            Message = new ChatMessage
            {
                MessageId = $"{conversationId}-{version}",
                SenderRole = sender,
                SenderId = sender == PartyRole.Buyer ? parties.BuyerId : parties.SellerId,
                SentAt = Timestamp.FromDateTimeOffset(now),
                Text = "Here you are.",
            },
        };
    }

    /// <summary>Messaging's mark as it publishes it: the conversation after the mark, tied to the order.</summary>
    private static BuyerUnresponsiveMarked Mark(Parties parties, string orderId, string conversationId, int count, long? version = null)
    {
        var now = DateTimeOffset.UtcNow;
        return new BuyerUnresponsiveMarked
        {
            Conversation = new Conversation
            {
                ConversationId = conversationId,
                Version = version ?? 2 + count,
                BuyerId = parties.BuyerId,
                SellerId = parties.SellerId,
                OrderId = orderId,
                OpenedBy = PartyRole.Seller,
                StartedAt = Timestamp.FromDateTimeOffset(now.AddDays(-2)),
                LastMessageAt = Timestamp.FromDateTimeOffset(now.AddDays(-2)),
                MessageCount = 1,
                AwaitingReplyFrom = PartyRole.Buyer,
                AwaitingSince = Timestamp.FromDateTimeOffset(now.AddDays(-2)),
                BuyerUnresponsiveCount = count,
            },
            MessageSentAt = Timestamp.FromDateTimeOffset(now.AddDays(-2)),
            MarkedAt = Timestamp.FromDateTimeOffset(now),
        };
    }
}
