using static Marketplace.Scoring.Engine.Tests.Orders;

namespace Marketplace.Scoring.Engine.Tests;

/// <summary>SPEC 2 (cancellation reason table) and 5.1 (the six areas): one test per rule.</summary>
public sealed class AreaRulesTests
{
    private static readonly ScoringPolicy Policy = ScoringPolicy.Default;

    private static double Index(OrderFacts facts, Area area) => AreaIndexer.Indices(facts, Policy)[(int)area];

    [Fact]
    public void The_sellers_wait_on_an_unresponsive_buyer_is_kept_out_of_lateness_and_nothing_else()
    {
        // SPEC 3 / 5.1: a buyer-unresponsive mark never counts against the seller, and on a completed order
        // the time the seller waited does not count as lateness; the order and its review count as usual.
        // A 4-day order delivered on day 6: 2 days late = 50 % of its duration, no on-time credit.
        var late = Bad("a") with { FirstDeliveryAt = T0.AddDays(6) };
        var waited = late with { BuyerUnresponsiveWait = TimeSpan.FromDays(1.5) };
        Assert.Equal(0.0, Index(late, Area.OnTimeDelivery));
        Assert.Equal(1 - (0.5 / 4) / 0.5, Index(waited, Area.OnTimeDelivery), 1e-12); // 0.5 d late: 0.75
        Assert.Equal(1.0, Index(late with { BuyerUnresponsiveWait = TimeSpan.FromDays(3) }, Area.OnTimeDelivery));
        Assert.True(AreaIndexer.IsIncluded(waited, Policy));
        foreach (var area in Areas.All.Where(a => a != Area.OnTimeDelivery))
            Assert.Equal(Index(late, area), Index(waited, area));
        Assert.Equal(1, Ledger([waited]).Aggregate.ScoredOrders);
    }

    [Fact]
    public void A_wait_after_delivery_or_on_an_order_delivered_on_time_changes_nothing()
    {
        // SPEC 3: messages after delivery never start a wait, so they cannot buy lateness back; and an
        // on-time order has no lateness to remove.
        var onTime = Completed("a") with { Review = OneStar, PrivateRating = 2 };
        Assert.Equal(Ledger([onTime]).Aggregate, Ledger([onTime with { BuyerUnresponsiveWait = TimeSpan.FromDays(2) }]).Aggregate);
        var cancelledLate = Cancelled("b", CancellationInitiator.Seller, CancellationReason.SellerUnableToDeliver) with
        {
            Cancellation = new CancellationFacts(T0.AddDays(6), CancellationInitiator.Seller, CancellationReason.SellerUnableToDeliver),
        };
        Assert.Equal(0.0, Index(cancelledLate with { BuyerUnresponsiveWait = TimeSpan.FromDays(5) }, Area.OnTimeDelivery));
    }

    [Fact]
    public void A_missing_private_rating_is_missing_not_zero()
    {
        // SPEC 5.1: "A missing private rating is missing, not 0: the area uses what the buyer did give."
        // Overall 3 stars = 0.5, no incident = 1; weights 0.5 (overall), 0.3 (private), 0.2 (no incident).
        var rated = Completed("a") with { Review = new ReviewFacts(3, 4, 4, 4, true) };
        Assert.Equal((0.5 * 0.5 + 0.2 * 1) / (0.5 + 0.2), Index(rated, Area.Satisfaction), 1e-12);                           // 0.642857…
        Assert.Equal((0.5 * 0.5 + 0.3 * 0 + 0.2 * 1) / 1.0, Index(rated with { PrivateRating = 0 }, Area.Satisfaction), 1e-12);  // 0.45
        Assert.Equal((0.5 * 0.5 + 0.3 * 1 + 0.2 * 1) / 1.0, Index(rated with { PrivateRating = 10 }, Area.Satisfaction), 1e-12); // 0.75
        Assert.NotEqual(Ledger([rated]).Aggregate, Ledger([rated with { PrivateRating = 0 }]).Aggregate);
    }

    [Theory]
    [InlineData(CancellationReason.BuyerUnresponsive, CancellationInitiator.Buyer)]
    [InlineData(CancellationReason.PlacedByMistake, CancellationInitiator.Mutual)]
    [InlineData(CancellationReason.Duplicate, CancellationInitiator.Buyer)]
    [InlineData(CancellationReason.MissingRequirements, CancellationInitiator.Seller)]
    [InlineData(CancellationReason.SupportInSellerFavour, CancellationInitiator.Support)]
    [InlineData(CancellationReason.FraudChargeback, CancellationInitiator.Chargeback)]
    public void Cancellations_that_do_not_count_against_the_seller_are_left_out(CancellationReason reason, CancellationInitiator by)
    {
        // SPEC 2: these reasons do not count against the seller; SPEC 5.1: such orders are left out of every area.
        var facts = Cancelled("x", by, reason);
        Assert.False(Policy.Cancellations.Counts(facts.Cancellation!));
        Assert.False(AreaIndexer.IsIncluded(facts, Policy));
        Assert.Equal(0, Ledger([facts]).Aggregate.ScoredOrders);
    }

    [Fact]
    public void Seller_initiated_cancellations_count_more_than_mutual_ones()
    {
        // SPEC 2: "seller-initiated cancellations count more than mutual ones".
        var seller = Index(Cancelled("s", CancellationInitiator.Seller, CancellationReason.SellerUnableToDeliver), Area.Cancellations);
        var mutual = Index(Cancelled("m", CancellationInitiator.Mutual, CancellationReason.Other), Area.Cancellations);
        var completed = Index(Completed("c"), Area.Cancellations);
        Assert.Equal(0.0, seller);
        Assert.Equal(0.5, mutual);
        Assert.Equal(1.0, completed);
    }

    [Fact]
    public void The_cancellation_rule_table_is_policy()
    {
        // SPEC 2: "A reason table decides if the cancellation counts against the seller (policy)".
        var policy = ScoringPolicy.Default with
        {
            Cancellations = new CancellationRules { NotCounting = new HashSet<CancellationReason> { CancellationReason.Other } },
        };
        Assert.True(AreaIndexer.IsIncluded(Cancelled("a", CancellationInitiator.Buyer, CancellationReason.PlacedByMistake), policy));
        Assert.False(AreaIndexer.IsIncluded(Cancelled("b", CancellationInitiator.Seller, CancellationReason.Other), policy));
    }

    [Fact]
    public void Running_orders_do_not_count_yet()
    {
        // SPEC 5.2: an order contributes once its outcome is final (completed or cancelled).
        var running = Completed("r") with { CompletedAt = null };
        Assert.Null(running.OutcomeAt);
        Assert.Equal(0, Ledger([running]).Aggregate.ScoredOrders);
    }

    [Fact]
    public void On_time_delivery_gets_full_credit_and_small_lateness_partial_credit()
    {
        // SPEC 5.1 on-time delivery: "on-time share, partial credit for small lateness" relative to the order's duration.
        var onTime = Completed("a"); // due day 4, delivered day 3
        var lateByTenthOfDuration = Completed("b") with { FirstDeliveryAt = T0.AddDays(4.4) }; // 0.4 d late of 4 d
        var veryLate = Completed("c") with { FirstDeliveryAt = T0.AddDays(6) }; // 2 d late = 50 % of duration
        Assert.Equal(1.0, Index(onTime, Area.OnTimeDelivery));
        Assert.Equal(0.8, Index(lateByTenthOfDuration, Area.OnTimeDelivery), 1e-9);
        Assert.Equal(0.0, Index(veryLate, Area.OnTimeDelivery));
    }

    [Fact]
    public void An_accepted_extension_moves_the_due_time_and_is_not_a_penalty()
    {
        // SPEC 2 "due time (after accepted extensions)"; SPEC 5.1 "revisions, extensions ... are not penalties".
        var extended = Completed("a") with { DueAt = T0.AddDays(10), FirstDeliveryAt = T0.AddDays(8), CompletedAt = T0.AddDays(9) };
        Assert.Equal(1.0, Index(extended, Area.OnTimeDelivery));
    }

    [Fact]
    public void Cancelled_undelivered_past_due_is_late_and_cancelled_before_due_is_not_judged_on_time()
    {
        // SPEC 2: an order is late when its due time passes with no delivery.
        var pastDue = Cancelled("a", CancellationInitiator.Seller, CancellationReason.LateDelivery) with
        {
            Cancellation = new CancellationFacts(T0.AddDays(6), CancellationInitiator.Seller, CancellationReason.LateDelivery),
        };
        var beforeDue = Cancelled("b", CancellationInitiator.Seller, CancellationReason.SellerUnableToDeliver);
        Assert.Equal(0.0, Index(pastDue, Area.OnTimeDelivery));
        Assert.True(double.IsNaN(Index(beforeDue, Area.OnTimeDelivery)));
    }

    [Fact]
    public void Conflict_free_is_one_minus_dispute_share()
    {
        // SPEC 5.1 conflict-free: disputes opened in the Resolution Center and escalations to support.
        Assert.Equal(1.0, Index(Completed("a"), Area.ConflictFree));
        Assert.Equal(0.0, Index(Completed("b") with { DisputeOpened = true }, Area.ConflictFree));
        Assert.Equal(0.0, Index(Completed("c") with { EscalatedToSupport = true }, Area.ConflictFree));
        var ledger = Ledger([Completed("a", 0), Completed("b", 0) with { DisputeOpened = true }, Completed("c", 0), Completed("d", 0)]);
        Assert.Equal(0.75, ledger.Aggregate.RawIndex(Area.ConflictFree)!.Value, 1e-9);
    }

    [Fact]
    public void Satisfaction_is_the_weighted_mean_of_ratings_and_absence_of_negative_events()
    {
        // SPEC 5.1 satisfaction: overall rating, private rating, absence of negative events; weighted mean.
        var w = Policy.AreaInputs;
        var facts = Completed("a") with { Review = new ReviewFacts(4, 5, 5, 5, true), PrivateRating = 5, DisputeOpened = true };
        var expected = (0.75 * w.SatisfactionOverallRating + 0.5 * w.SatisfactionPrivateRating + 0 * w.SatisfactionNoNegativeEvents)
            / (w.SatisfactionOverallRating + w.SatisfactionPrivateRating + w.SatisfactionNoNegativeEvents);
        Assert.Equal(expected, Index(facts, Area.Satisfaction), 1e-12);
        Assert.Equal(1.0, Index(Completed("b"), Area.Satisfaction)); // no rating, no incident: the absence of negative events speaks
        Assert.Equal(0.0, Index(Completed("c") with { DisputeOpened = true }, Area.Satisfaction)); // a dispute alone says a lot
    }

    [Fact]
    public void Communication_uses_the_sub_rating_response_time_and_unresponsive_marks()
    {
        // SPEC 5.1 communication: communication sub-rating, seller response times and unresponsive marks.
        Assert.Equal(1.0, Index(Completed("a") with { SellerResponseHours = 0.5 }, Area.Communication));
        Assert.Equal(0.5, Index(Completed("b") with { SellerResponseHours = 12.5 }, Area.Communication), 1e-12);
        Assert.Equal(0.0, Index(Completed("c") with { SellerResponseHours = 0.5, SellerUnresponsive = true }, Area.Communication));
        Assert.Equal(1.0, Index(Completed("e"), Area.Communication)); // nothing went unanswered
        var w = Policy.AreaInputs;
        var rated = Completed("d") with { Review = new ReviewFacts(5, 3, 5, 5, true), SellerUnresponsive = true };
        Assert.Equal(0.5 * w.CommunicationRating / (w.CommunicationRating + w.CommunicationResponsiveness), Index(rated, Area.Communication), 1e-12);
    }

    [Fact]
    public void Value_for_money_uses_the_sub_rating_and_would_recommend()
    {
        // SPEC 5.1 value for money: value-for-money sub-rating, would-recommend; weighted mean.
        var w = Policy.AreaInputs;
        var facts = Completed("a") with { Review = new ReviewFacts(5, 5, 5, 3, false) };
        Assert.Equal(0.5 * w.ValueRating / (w.ValueRating + w.ValueWouldRecommend), Index(facts, Area.ValueForMoney), 1e-12);
        Assert.True(double.IsNaN(Index(Completed("b"), Area.ValueForMoney)));
    }

    [Fact]
    public void Invalid_facts_are_rejected_naming_the_field_and_change_nothing()
    {
        // SPEC 7: bad input gets a clear error naming the field, and changes nothing.
        var ledger = Ledger([Completed("a")]);
        var before = ledger.Aggregate.Clone();
        var bad = Completed("b") with { Review = new ReviewFacts(6, 5, 5, 5, true) };
        var ex = Assert.Throws<ArgumentException>(() => ledger.Upsert(bad));
        Assert.Contains("Review.Overall must be in 1..5", ex.Message);
        Assert.Equal(before, ledger.Aggregate);
        Assert.False(ledger.Facts.ContainsKey("b"));
        Assert.Contains("PrivateRating", Assert.Throws<ArgumentException>(() => ledger.Upsert(Completed("c") with { PrivateRating = 11 })).Message);
        Assert.Contains("exclusive", Assert.Throws<ArgumentException>(() => ledger.Upsert(Completed("d") with
        {
            Cancellation = new CancellationFacts(T0, CancellationInitiator.Buyer, CancellationReason.Other),
        })).Message);
    }

    public static TheoryData<string, OrderFacts> InvalidFacts => new()
    {
        { "OrderId", Completed("a") with { OrderId = " " } },
        { "GigId", Completed("a") with { GigId = "" } },
        { "AmountUsd", Completed("a") with { AmountUsd = -1m } },
        { "DueAt", Completed("a") with { DueAt = T0.AddDays(-1) } },
        { "FirstDeliveryAt", Completed("a") with { FirstDeliveryAt = T0.AddDays(-1) } },
        { "CompletedAt must not", Completed("a") with { CompletedAt = T0.AddDays(-1) } },
        { "Cancellation.At", Cancelled("a", CancellationInitiator.Buyer, CancellationReason.Other) with
            {
                Cancellation = new CancellationFacts(T0.AddDays(-1), CancellationInitiator.Buyer, CancellationReason.Other),
            } },
        { "SellerResponseHours", Completed("a") with { SellerResponseHours = -2 } },
        { "SellerResponseHours", Completed("a") with { SellerResponseHours = double.NaN } },
        { "BuyerUnresponsiveWait", Completed("a") with { BuyerUnresponsiveWait = TimeSpan.FromHours(-1) } },
        { "PrivateRating", Completed("a") with { PrivateRating = -1 } },
        { "Review.Communication", Completed("a") with { Review = FiveStars with { Communication = 0 } } },
        { "Review.ServiceAsDescribed", Completed("a") with { Review = FiveStars with { ServiceAsDescribed = 6 } } },
        { "Review.ValueForMoney", Completed("a") with { Review = FiveStars with { ValueForMoney = 9 } } },
    };

    [Theory]
    [MemberData(nameof(InvalidFacts))]
    public void Each_invalid_field_is_refused_by_name(string field, OrderFacts facts)
    {
        // SPEC 7: every request is validated; the error names the field.
        Assert.Contains(facts.Validate(), p => p.Contains(field, StringComparison.Ordinal));
        Assert.Contains(field, Assert.Throws<ArgumentException>(() => OrderContribution.From(facts, Policy, 0)).Message);
    }
}
