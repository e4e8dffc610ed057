using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Scoring.Engine;
using Proto = Marketplace.Contracts.Orders.V1;

namespace Marketplace.Scoring.Tests;

/// <summary>A published buyer review as a test states it; <paramref name="Private"/> null when the buyer gave no private rating.</summary>
public sealed record TestReview(int Overall, int Communication, int Quality, int Value, bool Recommend, int? Private, DateTimeOffset PublishedAt, bool Removed = false);

/// <summary>
/// One order as a test states it, written twice: as the events Orders, Reviews and Messaging would
/// publish (<see cref="Events"/>), and, independently, as the engine's facts (<see cref="Facts"/>),
/// so a test can compare what the service computed with what the engine computes.
/// </summary>
public sealed record TestOrder
{
    public required string OrderId { get; init; }
    public required string GigId { get; init; }
    public required string SellerId { get; init; }
    public string BuyerId { get; init; } = "buyer-1";
    public string Category { get; init; } = "logo-design";
    public long AmountCents { get; init; } = 12_000;
    public required DateTimeOffset CreatedAt { get; init; }
    public TimeSpan Duration { get; init; } = TimeSpan.FromDays(8);
    public TimeSpan? DeliveredAfter { get; init; }
    public bool Completed { get; init; } = true;
    public (Proto.CancellationInitiator By, Proto.CancellationReason Reason, bool BuyerUnresponsive)? Cancelled { get; init; }
    public int Disputes { get; init; }
    public int SupportContacts { get; init; }
    public TestReview? Review { get; init; }
    public (int SellerUnresponsive, int BuyerUnresponsive, TimeSpan ResponseTotal, int Replies)? Conversation { get; init; }

    /// <summary>With <see cref="Conversation"/>: the time the seller waited on an unresponsive buyer before delivery.</summary>
    public TimeSpan BuyerWait { get; init; }

    public DateTimeOffset DueAt => CreatedAt + Duration;

    public DateTimeOffset? DeliveredAt => DeliveredAfter is { } d ? CreatedAt + d : null;

    /// <summary>When the outcome became final: a day after delivery (or after due when not delivered).</summary>
    public DateTimeOffset EndedAt => (DeliveredAt ?? DueAt).AddDays(1);

    /// <summary>The events, in their natural order: placed, then the final snapshot, then review and conversation.</summary>
    public IReadOnlyList<(IMessage Payload, string Subject)> Events()
    {
        var events = new List<(IMessage, string)>
        {
            (new OrderPlaced { Order = Snapshot(1, OrderState.Placed) }, OrderId),
        };
        if (Cancelled is not null)
        {
            events.Add((new OrderCancelled { Order = Snapshot(2, OrderState.Cancelled) }, OrderId));
        }
        else if (Completed)
        {
            events.Add((new OrderCompleted { Order = Snapshot(2, OrderState.Completed) }, OrderId));
        }

        if (Review is { } r)
        {
            events.Add((new ReviewPublished { Review = ReviewSnapshot(2, ReviewStatus.Published) }, OrderId));
            if (r.Removed)
            {
                events.Add((new ReviewRemoved { Review = ReviewSnapshot(3, ReviewStatus.Removed) }, OrderId));
            }
        }

        if (Conversation is { } c)
        {
            var conversation = new Conversation
            {
                ConversationId = "conv-" + OrderId,
                Version = 3,
                BuyerId = BuyerId,
                SellerId = SellerId,
                OrderId = OrderId,
                OpenedBy = PartyRole.Buyer,
                StartedAt = Timestamp.FromDateTimeOffset(CreatedAt),
                SellerUnresponsiveCount = c.SellerUnresponsive,
                BuyerUnresponsiveCount = c.BuyerUnresponsive,
                TotalSellerResponseTime = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(c.ResponseTotal),
                SellerReplyCount = c.Replies,
            };
            if (BuyerWait > TimeSpan.Zero)
            {
                conversation.BuyerUnresponsiveWait = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(BuyerWait);
            }
            if (c.Replies > 0)
            {
                conversation.FirstSellerReplyAt = Timestamp.FromDateTimeOffset(CreatedAt + c.ResponseTotal / c.Replies);
            }

            events.Add((new MessageSent { Conversation = conversation }, conversation.ConversationId));
        }

        return events;
    }

    /// <summary>The engine's facts of this order, stated directly from the test's description.</summary>
    public OrderFacts Facts() => new()
    {
        OrderId = OrderId,
        GigId = GigId,
        AmountUsd = AmountCents / 100m,
        CreatedAt = CreatedAt,
        DueAt = DueAt,
        FirstDeliveryAt = DeliveredAt,
        CompletedAt = Cancelled is null && Completed ? EndedAt : null,
        Cancellation = Cancelled is { } x ? new CancellationFacts(EndedAt, Initiator(x.By), Reason(x.Reason)) : null,
        BuyerUnresponsiveWait = Conversation is not null ? BuyerWait : TimeSpan.Zero,
        SellerUnresponsive = (Conversation?.SellerUnresponsive ?? 0) > 0,
        SellerResponseHours = Conversation is { Replies: > 0 } c ? c.ResponseTotal.TotalHours / c.Replies : null,
        DisputeOpened = Disputes > 0,
        EscalatedToSupport = SupportContacts > 0,
        Review = Review is { Removed: false } r ? new ReviewFacts(r.Overall, r.Communication, r.Quality, r.Value, r.Recommend) : null,
        PrivateRating = Review is { Removed: false } p ? p.Private : null,
    };

    public Proto.Order Snapshot(long version, OrderState state)
    {
        var o = new Proto.Order
        {
            OrderId = OrderId,
            Version = version,
            State = state,
            GigId = GigId,
            SellerId = SellerId,
            BuyerId = BuyerId,
            Category = Category,
            Amount = new Money { CurrencyCode = "USD", AmountMinor = AmountCents },
            CreatedAt = Timestamp.FromDateTimeOffset(CreatedAt),
            OriginalDueAt = Timestamp.FromDateTimeOffset(DueAt),
            DueAt = Timestamp.FromDateTimeOffset(DueAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(CreatedAt),
        };
        if (state == OrderState.Placed)
        {
            return o;
        }

        o.DisputeCount = Disputes;
        o.SupportContactCount = SupportContacts;
        if (DeliveredAt is { } delivered)
        {
            o.FirstDeliveredAt = Timestamp.FromDateTimeOffset(delivered);
            o.LastDeliveredAt = o.FirstDeliveredAt;
            o.DeliveryCount = 1;
        }

        if (state == OrderState.Completed)
        {
            o.CompletedAt = Timestamp.FromDateTimeOffset(EndedAt);
        }

        if (state == OrderState.Cancelled && Cancelled is { } c)
        {
            o.Cancellation = new Cancellation
            {
                Initiator = c.By,
                Reason = c.Reason,
                BuyerUnresponsive = c.BuyerUnresponsive,
                CancelledAt = Timestamp.FromDateTimeOffset(EndedAt),
            };
        }

        o.UpdatedAt = Timestamp.FromDateTimeOffset(EndedAt);
        return o;
    }

    private Review ReviewSnapshot(long version, ReviewStatus status)
    {
        var r = Review!;
        var review = new Review
        {
            OrderId = OrderId,
            Version = version,
            GigId = GigId,
            SellerId = SellerId,
            BuyerId = BuyerId,
            Category = Category,
            OrderOutcome = Cancelled is null ? ReviewedOrderOutcome.Completed : ReviewedOrderOutcome.Cancelled,
            Status = status,
            Ratings = new BuyerRatings
            {
                Overall = r.Overall,
                Communication = r.Communication,
                Quality = r.Quality,
                ValueForMoney = r.Value,
                WouldRecommend = r.Recommend,
            },
            Text = "A review text of enough length.",
            SubmittedAt = Timestamp.FromDateTimeOffset(r.PublishedAt),
            PublishedAt = Timestamp.FromDateTimeOffset(r.PublishedAt),
        };
        if (r.Private is { } privateRating)
        {
            review.Ratings.PrivateRating = privateRating;
        }

        return review;
    }

    private static Engine.CancellationInitiator Initiator(Proto.CancellationInitiator by) => by switch
    {
        Proto.CancellationInitiator.Buyer => Engine.CancellationInitiator.Buyer,
        Proto.CancellationInitiator.Seller => Engine.CancellationInitiator.Seller,
        Proto.CancellationInitiator.Mutual => Engine.CancellationInitiator.Mutual,
        Proto.CancellationInitiator.Support => Engine.CancellationInitiator.Support,
        _ => Engine.CancellationInitiator.Chargeback,
    };

    private static Engine.CancellationReason Reason(Proto.CancellationReason reason) => reason switch
    {
        Proto.CancellationReason.BuyerUnresponsive => Engine.CancellationReason.BuyerUnresponsive,
        Proto.CancellationReason.SellerUnableToDeliver => Engine.CancellationReason.SellerUnableToDeliver,
        Proto.CancellationReason.MutualAgreement => Engine.CancellationReason.MutualAgreement,
        Proto.CancellationReason.PlacedByMistake => Engine.CancellationReason.PlacedByMistake,
        Proto.CancellationReason.LateDelivery => Engine.CancellationReason.LateDelivery,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "the tests use only these reasons"),
    };
}
