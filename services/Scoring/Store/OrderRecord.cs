using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Proto = Marketplace.Contracts.Orders.V1;

namespace Marketplace.Scoring.Store;

/// <summary>
/// What Scoring knows of one order, merged from three event streams, each part guarded by the
/// version of its own entity so late, repeated and out-of-order events change nothing:
/// the order snapshot (Orders, <c>ov</c>), the buyer's review (Reviews, <c>rv</c>) and the order's
/// conversation (Messaging, <c>cv</c>). Any part may arrive first. Times are UTC ticks
/// (100 ns, the precision of the events' timestamps as .NET reads them), so nothing is rounded.
/// The hash also holds <c>c</c>: the contribution the order currently adds to its Gig (16 integers),
/// so a correction subtracts exactly what was added.
/// </summary>
public sealed record OrderRecord
{
    public static readonly OrderRecord Empty = new();

    // ---- order part (Orders) ----
    public long OrderVersion { get; init; }
    public string GigId { get; init; } = "";
    public string SellerId { get; init; } = "";
    public string BuyerId { get; init; } = "";
    public string Category { get; init; } = "";
    public string Currency { get; init; } = "";
    public long AmountMinor { get; init; }
    public long RefundedMinor { get; init; }
    public Proto.OrderState State { get; init; }
    public long CreatedTicks { get; init; }
    public long DueTicks { get; init; }
    public long? FirstDeliveredTicks { get; init; }
    public long? CompletedTicks { get; init; }
    public long? CancelledTicks { get; init; }
    public Proto.CancellationInitiator CancelledBy { get; init; }
    public Proto.CancellationReason CancelReason { get; init; }
    public int Disputes { get; init; }
    public int SupportContacts { get; init; }

    // ---- review part (Reviews) ----
    public long ReviewVersion { get; init; }
    public ReviewStatus ReviewStatus { get; init; }
    public long? ReviewPublishedTicks { get; init; }
    public BuyerRatings? Ratings { get; init; }

    // ---- conversation part (Messaging) ----
    public long ConversationVersion { get; init; }
    public int SellerUnresponsiveMarks { get; init; }

    /// <summary>
    /// UTC ticks the seller waited on an unresponsive buyer before delivery (Messaging's
    /// <c>buyer_unresponsive_wait</c>): kept out of lateness. The buyer-unresponsive marks themselves
    /// change nothing in the score (SPEC 3, 5.1), so they are not kept.
    /// </summary>
    public long BuyerWaitTicks { get; init; }
    public long SellerResponseTotalTicks { get; init; }
    public int SellerReplies { get; init; }

    /// <summary>The contribution currently counted in the Gig's sums; null when the order is not counted.</summary>
    public OrderContribution? Counted { get; init; }

    /// <summary>True once an order snapshot arrived (reviews and messages can come first).</summary>
    public bool HasOrder => OrderVersion > 0;

    /// <summary>The buyer's review is public and counts (SPEC 4: reviews count once published, and stop when removed).</summary>
    public bool HasPublishedReview => ReviewStatus == ReviewStatus.Published && Ratings is not null;

    /// <summary>The order part from an Orders snapshot.</summary>
    public OrderRecord WithOrder(Proto.Order o) => this with
    {
        OrderVersion = o.Version,
        GigId = o.GigId,
        SellerId = o.SellerId,
        BuyerId = o.BuyerId,
        Category = o.Category,
        Currency = o.Amount?.CurrencyCode ?? "",
        AmountMinor = o.Amount?.AmountMinor ?? 0,
        RefundedMinor = o.Refunded?.AmountMinor ?? 0,
        State = o.State,
        CreatedTicks = Ticks(o.CreatedAt) ?? 0,
        DueTicks = Ticks(o.DueAt) ?? 0,
        FirstDeliveredTicks = Ticks(o.FirstDeliveredAt),
        CompletedTicks = o.State == Proto.OrderState.Completed ? Ticks(o.CompletedAt) : null,
        CancelledTicks = o.State == Proto.OrderState.Cancelled ? Ticks(o.Cancellation?.CancelledAt) : null,
        CancelledBy = o.State == Proto.OrderState.Cancelled ? o.Cancellation?.Initiator ?? default : default,
        CancelReason = o.State == Proto.OrderState.Cancelled ? o.Cancellation?.Reason ?? default : default,
        Disputes = o.DisputeCount,
        SupportContacts = o.SupportContactCount,
    };

    /// <summary>The review part from a Reviews snapshot.</summary>
    public OrderRecord WithReview(Review r) => this with
    {
        ReviewVersion = r.Version,
        ReviewStatus = r.Status,
        ReviewPublishedTicks = Ticks(r.PublishedAt),
        Ratings = r.Ratings?.Clone(),
    };

    /// <summary>The conversation part from a Messaging snapshot of the order's conversation.</summary>
    public OrderRecord WithConversation(Contracts.Messaging.V1.Conversation c) => this with
    {
        ConversationVersion = c.Version,
        SellerUnresponsiveMarks = c.SellerUnresponsiveCount,
        BuyerWaitTicks = c.BuyerUnresponsiveWait?.ToTimeSpan().Ticks ?? 0,
        SellerResponseTotalTicks = c.TotalSellerResponseTime?.ToTimeSpan().Ticks ?? 0,
        SellerReplies = c.SellerReplyCount,
    };

    /// <summary>
    /// The engine's facts of this order, or null while the order itself is unknown. The amount
    /// must be convertible to USD (<paramref name="toUsd"/> returns null otherwise, and this throws).
    /// </summary>
    public OrderFacts? ToFacts(string orderId, Func<string, decimal, decimal?> toUsd)
    {
        if (!HasOrder)
        {
            return null;
        }

        var usd = toUsd(Currency, AmountMinor)
            ?? throw new InvalidOperationException($"order {orderId}: no USD rate for currency '{Currency}' (configure Scoring:Currencies:{Currency})");
        return new OrderFacts
        {
            OrderId = orderId,
            GigId = GigId,
            AmountUsd = usd,
            CreatedAt = Time(CreatedTicks),
            DueAt = Time(DueTicks),
            FirstDeliveryAt = FirstDeliveredTicks is { } d ? Time(d) : null,
            CompletedAt = CompletedTicks is { } c ? Time(c) : null,
            Cancellation = CancelledTicks is { } x ? new CancellationFacts(Time(x), Initiator(CancelledBy), Reason(CancelReason)) : null,
            BuyerUnresponsiveWait = TimeSpan.FromTicks(BuyerWaitTicks),
            SellerUnresponsive = SellerUnresponsiveMarks > 0,
            SellerResponseHours = SellerReplies > 0 ? TimeSpan.FromTicks(SellerResponseTotalTicks).TotalHours / SellerReplies : null,
            DisputeOpened = Disputes > 0,
            EscalatedToSupport = SupportContacts > 0,
            Review = HasPublishedReview
                ? new ReviewFacts(Ratings!.Overall, Ratings.Communication, Ratings.Quality, Ratings.ValueForMoney, Ratings.WouldRecommend)
                : null,
            // Absent is absent, not 0 (SPEC 5.1): the satisfaction area then uses what the buyer gave.
            PrivateRating = HasPublishedReview && Ratings!.HasPrivateRating ? Ratings.PrivateRating : null,
        };
    }

    // ---- Redis hash ----

    /// <summary>
    /// The record as stored in <see cref="ScoringKeys.Order"/>: each part present with its version
    /// field (<c>ov</c>, <c>rv</c>, <c>cv</c>) or absent as a whole; <see cref="Empty"/> for an empty hash.
    /// </summary>
    public static OrderRecord FromFields(HashReader f)
    {
        var record = Empty with
        {
            Counted = f.OptionalString("c") is { } counted ? ParseContribution(counted) : null,
        };
        if (f.Has("ov"))
        {
            record = record with
            {
                OrderVersion = f.Long("ov"),
                GigId = f.String("gig"),
                SellerId = f.String("seller"),
                BuyerId = f.String("buyer"),
                Category = f.String("cat"),
                Currency = f.String("cur"),
                AmountMinor = f.Long("amt"),
                RefundedMinor = f.Long("refunded"),
                State = f.Enum<Proto.OrderState>("state"),
                CreatedTicks = f.Long("created"),
                DueTicks = f.Long("due"),
                FirstDeliveredTicks = f.OptionalLong("delivered"),
                CompletedTicks = f.OptionalLong("completed"),
                CancelledTicks = f.OptionalLong("cx_at"),
                CancelledBy = f.Enum<Proto.CancellationInitiator>("cx_by"),
                CancelReason = f.Enum<Proto.CancellationReason>("cx_reason"),
                Disputes = f.Int("disputes"),
                SupportContacts = f.Int("support"),
            };
        }

        if (f.Has("rv"))
        {
            record = record with
            {
                ReviewVersion = f.Long("rv"),
                ReviewStatus = f.Enum<ReviewStatus>("r_status"),
                ReviewPublishedTicks = f.OptionalLong("r_pub"),
                Ratings = f.Has("r_o") ? RatingsFrom(f) : null,
            };
        }

        if (f.Has("cv"))
        {
            record = record with
            {
                ConversationVersion = f.Long("cv"),
                SellerUnresponsiveMarks = f.Int("su"),
                BuyerWaitTicks = f.OptionalLong("bw") ?? 0,
                SellerResponseTotalTicks = f.Long("rt"),
                SellerReplies = f.Int("rn"),
            };
        }

        return record;
    }

    /// <summary>
    /// The hash layout: the parts that arrived, times as UTC ticks, unset times left out, and
    /// <c>c</c>, the contribution counted in the Gig's sums (the Gig projection changes it in the same
    /// commit). The hash is replaced as a whole, so a time that is no longer set disappears.
    /// </summary>
    public HashWriter ToFields()
    {
        var f = new HashWriter();
        if (HasOrder)
        {
            f.Set("ov", OrderVersion)
                .Set("gig", GigId)
                .Set("seller", SellerId)
                .Set("buyer", BuyerId)
                .Set("cat", Category)
                .Set("cur", Currency)
                .Set("amt", AmountMinor)
                .Set("refunded", RefundedMinor)
                .SetEnum("state", State)
                .Set("created", CreatedTicks)
                .Set("due", DueTicks)
                .SetOptional("delivered", FirstDeliveredTicks)
                .SetOptional("completed", CompletedTicks)
                .SetOptional("cx_at", CancelledTicks)
                .SetEnum("cx_by", CancelledBy)
                .SetEnum("cx_reason", CancelReason)
                .Set("disputes", Disputes)
                .Set("support", SupportContacts);
        }

        if (ReviewVersion > 0)
        {
            f.Set("rv", ReviewVersion)
                .SetEnum("r_status", ReviewStatus)
                .SetOptional("r_pub", ReviewPublishedTicks);
            if (Ratings is { } r)
            {
                f.Set("r_o", r.Overall)
                    .Set("r_c", r.Communication)
                    .Set("r_q", r.Quality)
                    .Set("r_v", r.ValueForMoney)
                    .Set("r_rec", r.WouldRecommend)
                    .SetOptional("r_p", r.HasPrivateRating ? r.PrivateRating : null);
            }
        }

        if (ConversationVersion > 0)
        {
            f.Set("cv", ConversationVersion)
                .Set("su", SellerUnresponsiveMarks)
                .Set("bw", BuyerWaitTicks)
                .Set("rt", SellerResponseTotalTicks)
                .Set("rn", SellerReplies);
        }

        if (Counted is { } counted)
        {
            f.Set("c", FormatContribution(counted));
        }

        return f;
    }

    /// <summary>The buyer's ratings as stored: <c>r_p</c> only when the buyer gave a private rating.</summary>
    private static BuyerRatings RatingsFrom(HashReader f)
    {
        var ratings = new BuyerRatings
        {
            Overall = f.Int("r_o"),
            Communication = f.Int("r_c"),
            Quality = f.Int("r_q"),
            ValueForMoney = f.Int("r_v"),
            WouldRecommend = f.Bool("r_rec"),
        };
        if (f.Has("r_p"))
        {
            ratings.PrivateRating = f.Int("r_p");
        }

        return ratings;
    }

    public static string FormatContribution(OrderContribution c) =>
        string.Join(',', c.ToFields().Select(v => v.ToString(CultureInfo.InvariantCulture)));

    public static OrderContribution ParseContribution(string text) =>
        OrderContribution.FromFields(text.Split(',').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray());

    private static long? Ticks(Timestamp? t) => t?.ToDateTimeOffset().UtcTicks;

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    /// <summary>The Orders initiator in the engine's terms.</summary>
    public static Engine.CancellationInitiator Initiator(Proto.CancellationInitiator initiator) => initiator switch
    {
        Proto.CancellationInitiator.Buyer => Engine.CancellationInitiator.Buyer,
        Proto.CancellationInitiator.Seller => Engine.CancellationInitiator.Seller,
        Proto.CancellationInitiator.Mutual => Engine.CancellationInitiator.Mutual,
        Proto.CancellationInitiator.Support => Engine.CancellationInitiator.Support,
        Proto.CancellationInitiator.Chargeback => Engine.CancellationInitiator.Chargeback,
        // Orders always records the initiator; an unknown one weighs as the seller's own.
        _ => Engine.CancellationInitiator.Seller,
    };

    /// <summary>The Orders reason in the engine's terms (the policy's rule table decides whether it counts).</summary>
    public static Engine.CancellationReason Reason(Proto.CancellationReason reason) => reason switch
    {
        Proto.CancellationReason.BuyerUnresponsive => Engine.CancellationReason.BuyerUnresponsive,
        Proto.CancellationReason.PlacedByMistake => Engine.CancellationReason.PlacedByMistake,
        Proto.CancellationReason.DuplicateOrder => Engine.CancellationReason.Duplicate,
        Proto.CancellationReason.MissingRequirements => Engine.CancellationReason.MissingRequirements,
        Proto.CancellationReason.SellerUnableToDeliver => Engine.CancellationReason.SellerUnableToDeliver,
        Proto.CancellationReason.LateDelivery => Engine.CancellationReason.LateDelivery,
        Proto.CancellationReason.NotAsDescribed => Engine.CancellationReason.QualityNotAsDescribed,
        Proto.CancellationReason.SellerUnresponsive => Engine.CancellationReason.SellerUnresponsive,
        Proto.CancellationReason.MutualAgreement => Engine.CancellationReason.MutualAgreement,
        Proto.CancellationReason.SupportInSellersFavour => Engine.CancellationReason.SupportInSellerFavour,
        Proto.CancellationReason.SupportInBuyersFavour => Engine.CancellationReason.SupportInBuyerFavour,
        Proto.CancellationReason.TermsViolation => Engine.CancellationReason.TermsViolation,
        Proto.CancellationReason.ChargebackFraud => Engine.CancellationReason.FraudChargeback,
        Proto.CancellationReason.ChargebackDispute => Engine.CancellationReason.Chargeback,
        _ => Engine.CancellationReason.Other,
    };
}
