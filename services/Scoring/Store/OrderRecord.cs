using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Scoring.Engine;
using StackExchange.Redis;
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
    public bool CancelledBuyerUnresponsive { get; init; }
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
    public int BuyerUnresponsiveMarks { get; init; }
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
        CancelledBuyerUnresponsive = o.State == Proto.OrderState.Cancelled && (o.Cancellation?.BuyerUnresponsive ?? false),
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
        BuyerUnresponsiveMarks = c.BuyerUnresponsiveCount,
        SellerResponseTotalTicks = c.TotalSellerResponseTime?.ToTimeSpan().Ticks ?? 0,
        SellerReplies = c.SellerReplyCount,
    };

    /// <summary>
    /// The engine's facts of this order, or null while the order itself is unknown. The amount
    /// must be convertible to USD (<paramref name="toUsd"/> returns null otherwise, and this throws).
    /// </summary>
    public OrderFacts? ToFacts(string orderId, Func<string, long, decimal?> toUsd)
    {
        if (!HasOrder)
        {
            return null;
        }

        var usd = toUsd(Currency, AmountMinor)
            ?? throw new InvalidOperationException($"order {orderId}: no USD rate for currency '{Currency}' (configure ScoringService:Currencies:{Currency})");
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
            BuyerUnresponsive = CancelledBuyerUnresponsive || BuyerUnresponsiveMarks > 0,
            SellerUnresponsive = SellerUnresponsiveMarks > 0,
            SellerResponseHours = SellerReplies > 0 ? TimeSpan.FromTicks(SellerResponseTotalTicks).TotalHours / SellerReplies : null,
            DisputeOpened = Disputes > 0,
            EscalatedToSupport = SupportContacts > 0,
            Review = HasPublishedReview
                ? new ReviewFacts(Ratings!.Overall, Ratings.Communication, Ratings.Quality, Ratings.ValueForMoney, Ratings.WouldRecommend)
                : null,
            PrivateRating = HasPublishedReview ? Ratings!.PrivateRating : null,
        };
    }

    // ---- Redis hash ----

    public static OrderRecord FromHash(IReadOnlyDictionary<string, RedisValue> f)
    {
        if (f.Count == 0)
        {
            return Empty;
        }

        long L(string name) => f.TryGetValue(name, out var v) && !v.IsNullOrEmpty ? long.Parse((string)v!, CultureInfo.InvariantCulture) : 0;
        long? N(string name) => f.TryGetValue(name, out var v) && !v.IsNullOrEmpty ? long.Parse((string)v!, CultureInfo.InvariantCulture) : null;
        string S(string name) => f.TryGetValue(name, out var v) ? (string?)v ?? "" : "";

        return new OrderRecord
        {
            OrderVersion = L("ov"),
            GigId = S("gig"),
            SellerId = S("seller"),
            BuyerId = S("buyer"),
            Category = S("cat"),
            Currency = S("cur"),
            AmountMinor = L("amt"),
            RefundedMinor = L("refunded"),
            State = (Proto.OrderState)L("state"),
            CreatedTicks = L("created"),
            DueTicks = L("due"),
            FirstDeliveredTicks = N("delivered"),
            CompletedTicks = N("completed"),
            CancelledTicks = N("cx_at"),
            CancelledBy = (Proto.CancellationInitiator)L("cx_by"),
            CancelReason = (Proto.CancellationReason)L("cx_reason"),
            CancelledBuyerUnresponsive = L("cx_bu") == 1,
            Disputes = (int)L("disputes"),
            SupportContacts = (int)L("support"),
            ReviewVersion = L("rv"),
            ReviewStatus = (ReviewStatus)L("r_status"),
            ReviewPublishedTicks = N("r_pub"),
            Ratings = N("r_o") is { } overall
                ? new BuyerRatings
                {
                    Overall = (int)overall,
                    Communication = (int)L("r_c"),
                    Quality = (int)L("r_q"),
                    ValueForMoney = (int)L("r_v"),
                    WouldRecommend = L("r_rec") == 1,
                    PrivateRating = (int)L("r_p"),
                }
                : null,
            ConversationVersion = L("cv"),
            SellerUnresponsiveMarks = (int)L("su"),
            BuyerUnresponsiveMarks = (int)L("bu"),
            SellerResponseTotalTicks = L("rt"),
            SellerReplies = (int)L("rn"),
            Counted = f.TryGetValue("c", out var c) && !c.IsNullOrEmpty ? ParseContribution((string)c!) : null,
        };
    }

    /// <summary>Every field of the record except <c>c</c> (written by the Gig projection).</summary>
    public IEnumerable<KeyValuePair<string, RedisValue>> ToHash()
    {
        static KeyValuePair<string, RedisValue> F(string name, long value) => new(name, value);
        static KeyValuePair<string, RedisValue> O(string name, long? value) => new(name, value is { } v ? v : RedisValue.EmptyString);

        if (HasOrder)
        {
            yield return F("ov", OrderVersion);
            yield return new("gig", GigId);
            yield return new("seller", SellerId);
            yield return new("buyer", BuyerId);
            yield return new("cat", Category);
            yield return new("cur", Currency);
            yield return F("amt", AmountMinor);
            yield return F("refunded", RefundedMinor);
            yield return F("state", (long)State);
            yield return F("created", CreatedTicks);
            yield return F("due", DueTicks);
            yield return O("delivered", FirstDeliveredTicks);
            yield return O("completed", CompletedTicks);
            yield return O("cx_at", CancelledTicks);
            yield return F("cx_by", (long)CancelledBy);
            yield return F("cx_reason", (long)CancelReason);
            yield return F("cx_bu", CancelledBuyerUnresponsive ? 1 : 0);
            yield return F("disputes", Disputes);
            yield return F("support", SupportContacts);
        }

        if (ReviewVersion > 0)
        {
            yield return F("rv", ReviewVersion);
            yield return F("r_status", (long)ReviewStatus);
            yield return O("r_pub", ReviewPublishedTicks);
            if (Ratings is { } r)
            {
                yield return F("r_o", r.Overall);
                yield return F("r_c", r.Communication);
                yield return F("r_q", r.Quality);
                yield return F("r_v", r.ValueForMoney);
                yield return F("r_rec", r.WouldRecommend ? 1 : 0);
                yield return F("r_p", r.PrivateRating);
            }
        }

        if (ConversationVersion > 0)
        {
            yield return F("cv", ConversationVersion);
            yield return F("su", SellerUnresponsiveMarks);
            yield return F("bu", BuyerUnresponsiveMarks);
            yield return F("rt", SellerResponseTotalTicks);
            yield return F("rn", SellerReplies);
        }
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
