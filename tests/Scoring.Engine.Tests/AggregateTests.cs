using static Marketplace.Scoring.Engine.Tests.Orders;

namespace Marketplace.Scoring.Engine.Tests;

/// <summary>SPEC 5.2 "from orders to a Gig score": weights, forward decay, evaluation period, corrections, storage.</summary>
public sealed class AggregateTests
{
    private static readonly ScoringPolicy Policy = ScoringPolicy.Default;

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(249.99, 1.0)]
    [InlineData(250, 1.25)]
    [InlineData(999, 1.25)]
    [InlineData(1000, 1.5)]
    [InlineData(50000, 1.5)]
    public void Value_weight_grows_with_the_amount_in_bands(double amount, double expected)
    {
        // SPEC 5.2: value weight bands 1 / 1.25 / 1.5 at 250 and 1000 USD (policy).
        Assert.Equal(expected, Policy.ValueWeight((decimal)amount));
    }

    [Fact]
    public void An_order_one_half_life_later_weighs_twice_as_much()
    {
        // SPEC 5.2: recency is exponential with a half-life of 180 days (policy).
        var landmark = ForwardDecay.LandmarkFor(T0.ToUnixTimeSeconds(), Policy);
        var early = OrderContribution.From(Completed("a", 0), Policy, landmark);
        var later = OrderContribution.From(Completed("b", 180), Policy, landmark);
        Assert.Equal(2.0, (double)later.Weight(Area.ConflictFree) / early.Weight(Area.ConflictFree), 1e-9);
        var big = OrderContribution.From(Completed("c", 0, amount: 1000m), Policy, landmark);
        Assert.Equal(1.5, (double)big.Weight(Area.ConflictFree) / early.Weight(Area.ConflictFree), 1e-9);
    }

    [Fact]
    public void Area_index_is_the_value_and_recency_weighted_mean()
    {
        // SPEC 5.2: each order's weight = value weight × recency weight.
        var ledger = Ledger([Completed("old", 0) with { DisputeOpened = true }, Completed("new", 180)]);
        Assert.Equal(2.0 / 3.0, ledger.Aggregate.RawIndex(Area.ConflictFree)!.Value, 1e-9);
    }

    [Fact]
    public void Orders_older_than_the_evaluation_period_drop_out_when_a_newer_order_arrives()
    {
        // SPEC 5.2: orders more than 730 days (policy) older than the Gig's most recent order drop out when that newer order arrives.
        var ledger = Ledger([Bad("old", 0), Completed("mid", 100)]);
        Assert.Equal(2, ledger.Aggregate.ScoredOrders);
        ledger.Upsert(Completed("newest", 731)); // completes day 736: "old" (day 5) is 731 days older, "mid" (105) is 631
        Assert.Equal(2, ledger.Aggregate.ScoredOrders);
        Assert.False(ledger.Counted.ContainsKey("old"));
        Assert.Equal(1.0, ledger.Aggregate.RawIndex(Area.ConflictFree));
        Assert.Equal(Ledger([Completed("mid", 100), Completed("newest", 731)]).Aggregate.RawIndex(Area.ConflictFree),
            ledger.Aggregate.RawIndex(Area.ConflictFree));
    }

    [Fact]
    public void An_order_exactly_at_the_window_start_still_counts_and_a_late_arriving_old_order_does_not()
    {
        // SPEC 5.2 evaluation period boundary: "more than 730 days older" drops out; exactly 730 does not.
        var ledger = Ledger([Completed("newest", 730)]);
        ledger.Upsert(Completed("edge", 0)); // completes exactly 730 days before the newest
        Assert.True(ledger.Counted.ContainsKey("edge"));
        ledger.Upsert(Completed("too-old", -0.5)); // arrives late, 730.5 days older than the newest
        Assert.False(ledger.Counted.ContainsKey("too-old"));
        Assert.Equal(2, ledger.Aggregate.ScoredOrders);
    }

    [Fact]
    public void The_aggregate_names_the_time_range_the_service_must_subtract()
    {
        // SPEC 5.2 evaluation period, as the service sees it: which stored orders leave the window.
        var ledger = Ledger([Completed("a", 0)]);
        var newest = T0.AddDays(1000).ToUnixTimeSeconds();
        var range = ledger.Aggregate.WindowDropAfter(newest, Policy);
        Assert.NotNull(range);
        Assert.Equal(T0.AddDays(5 - 730).ToUnixTimeSeconds(), range.Value.From);
        Assert.Equal(T0.AddDays(1000 - 730).ToUnixTimeSeconds(), range.Value.To);
        Assert.Null(ledger.Aggregate.WindowDropAfter(T0.AddDays(1).ToUnixTimeSeconds(), Policy));
    }

    [Fact]
    public void A_review_after_completion_replaces_the_orders_contribution_without_counting_it_twice()
    {
        // SPEC 5.2: "a later event about an order ... replaces that order's earlier contribution; nothing is counted twice".
        var ledger = Ledger([Completed("a", 0), Completed("b", 1)]);
        ledger.Upsert(Completed("b", 1) with { Review = OneStar });
        Assert.Equal(2, ledger.Aggregate.ScoredOrders);
        Assert.Equal(1, ledger.Aggregate.Count(Area.ValueForMoney));
        Assert.Equal(Ledger([Completed("a", 0), Completed("b", 1) with { Review = OneStar }]).Aggregate, ledger.Aggregate);
    }

    [Fact]
    public void A_review_removed_by_support_stops_counting()
    {
        // SPEC 4: "a removed review stops counting everywhere"; SPEC 5.2: the later event replaces the contribution.
        var reviewed = Completed("b", 1) with { Review = OneStar, PrivateRating = 0 };
        var ledger = Ledger([Completed("a", 0), reviewed]);
        ledger.Upsert(reviewed with { Review = null });
        Assert.Equal(Ledger([Completed("a", 0), reviewed with { Review = null }]).Aggregate, ledger.Aggregate);
        Assert.Equal(0, ledger.Aggregate.Count(Area.ValueForMoney));
    }

    [Fact]
    public void Replace_on_the_aggregate_is_exact()
    {
        // SPEC 5.2: replacing a contribution (the service's Redis path) undoes the old one bit for bit.
        var agg = new GigAggregate();
        var landmark = ForwardDecay.LandmarkFor(T0.ToUnixTimeSeconds(), Policy);
        agg.StartAt(landmark);
        var first = OrderContribution.From(Completed("a", 3), Policy, landmark);
        var old = OrderContribution.From(Completed("b", 7), Policy, landmark);
        var updated = OrderContribution.From(Completed("b", 7) with { Review = FiveStars }, Policy, landmark);
        agg.Add(first);
        agg.Add(old);
        agg.Replace(old, updated);
        var expected = new GigAggregate();
        expected.StartAt(landmark);
        expected.Add(updated);
        expected.Add(first);
        Assert.Equal(expected, agg);
    }

    [Fact]
    public void The_landmark_moves_after_a_landmark_step_and_the_sums_are_rebuilt_consistently()
    {
        // SPEC 5.2: "Rescale if magnitudes ever approach overflow" — here the landmark moves every 8 half-lives.
        var step = ForwardDecay.StepSeconds(Policy) / 86_400.0; // 1440 days
        var orders = Enumerable.Range(0, 40).Select(i => (i % 3 == 0 ? Bad($"o{i}", i * 60) : Completed($"o{i}", i * 60))).ToList();
        var forward = Ledger(orders);
        var backward = Ledger(Enumerable.Reverse(orders));
        Assert.True(orders[^1].OutcomeAt!.Value > T0.AddDays(step));
        Assert.NotEqual(ForwardDecay.LandmarkFor(orders[0].OutcomeAt!.Value.ToUnixTimeSeconds(), Policy), forward.Aggregate.LandmarkSeconds);
        Assert.Equal(forward.Aggregate, backward.Aggregate);

        // The normalised means equal a direct floating-point computation over the orders in the window.
        var newest = orders.Max(o => o.OutcomeAt!.Value);
        var inWindow = orders.Where(o => o.OutcomeAt!.Value >= newest.AddDays(-730)).ToList();
        double sw = 0, swx = 0;
        foreach (var o in inWindow)
        {
            var w = Math.Pow(2, (o.OutcomeAt!.Value - newest).TotalDays / 180);
            sw += w;
            swx += w * (o.DisputeOpened ? 0 : 1);
        }
        Assert.Equal(inWindow.Count, forward.Aggregate.ScoredOrders);
        Assert.Equal(swx / sw, forward.Aggregate.RawIndex(Area.ConflictFree)!.Value, 1e-8);
    }

    [Fact]
    public void A_contribution_from_another_landmark_is_refused()
    {
        // SPEC 5.2 forward decay: sums are only meaningful against one landmark.
        var landmark = ForwardDecay.LandmarkFor(T0.ToUnixTimeSeconds(), Policy);
        var agg = new GigAggregate();
        agg.StartAt(landmark);
        var c = OrderContribution.From(Completed("a"), Policy, landmark + 86_400);
        Assert.Throws<ArgumentException>(() => agg.Add(c));
        Assert.Equal(new GigAggregate().ScoredOrders, agg.ScoredOrders);
    }

    [Fact]
    public void The_aggregate_round_trips_through_redis_hash_fields()
    {
        // Issue 5: the aggregate serializes compactly into a Redis hash (22 integer fields).
        var ledger = Ledger([Completed("a", 0) with { Review = FiveStars }, Bad("b", 3), Completed("c", 9)]);
        var entries = ledger.Aggregate.ToHashEntries();
        Assert.Equal(22, entries.Count);
        Assert.Equal(ledger.Aggregate, GigAggregate.FromHashEntries(entries));
        var missing = entries.Where(e => e.Key != "w3").ToList();
        Assert.Contains("'w3'", Assert.Throws<FormatException>(() => GigAggregate.FromHashEntries(missing)).Message);
    }

    [Fact]
    public void An_excluded_newer_order_does_not_push_older_orders_out_of_the_window()
    {
        // SPEC 5.1: excluded orders are left out of every area — so they are not "the most recent order" of SPEC 5.2 either.
        var ledger = Ledger([Completed("old", 0), Completed("mid", 100)]);
        ledger.Upsert(Cancelled("newest", CancellationInitiator.Buyer, CancellationReason.PlacedByMistake, 800));
        Assert.Equal(Ledger([Completed("old", 0), Completed("mid", 100)]).Aggregate, ledger.Aggregate);
    }

    [Fact]
    public void When_the_most_recent_order_stops_counting_the_orders_it_pushed_out_come_back()
    {
        // SPEC 5.2 evaluation period + SPEC 2: a correction that makes the newest order stop counting (support
        // rules a seller's cancellation in the seller's favour) brings back what it pushed out of the window,
        // measured again from the most recent counted order.
        var ledger = Ledger([Completed("old", 0), Completed("mid", 100), Cancelled("newest", CancellationInitiator.Seller, CancellationReason.SellerUnableToDeliver, 800)]);
        Assert.False(ledger.Counted.ContainsKey("old"));
        ledger.Upsert(Cancelled("newest", CancellationInitiator.Support, CancellationReason.SupportInSellerFavour, 800));
        Assert.True(ledger.Counted.ContainsKey("old"));
        Assert.Equal(Ledger([Completed("old", 0), Completed("mid", 100)]).Aggregate, ledger.Aggregate);
    }

    [Fact]
    public void The_bound_on_one_bad_order_is_nearly_reached_by_the_worst_case()
    {
        // SPEC 5.2 "few orders must not swing a score", invariant (4): 50 perfect small orders, then one
        // large bad order 729 days later. The quality drop stays within the stated bound and comes close to it.
        var perfect = Enumerable.Range(0, 50).Select(i => Completed($"o{i}", 0, amount: 10m) with
        {
            Review = FiveStars,
            PrivateRating = 10,
        }).ToList();
        var ledger = Ledger(perfect);
        var peers = PeerMeans.Uniform(1.0);
        var before = GigScorer.Quality(ledger.Aggregate, peers, Policy).Quality;
        ledger.Upsert(Bad("bad", 729) with
        {
            AmountUsd = 5000m,
            FirstDeliveryAt = null,
            CompletedAt = null,
            Cancellation = new CancellationFacts(T0.AddDays(729 + 5), CancellationInitiator.Seller, CancellationReason.SellerUnableToDeliver),
        });
        Assert.Equal(51, ledger.Aggregate.ScoredOrders);
        var drop = before - GigScorer.Quality(ledger.Aggregate, peers, Policy).Quality;
        var bound = PropertyTests.WorstCaseQualityBound50;
        Assert.InRange(drop, 0.95 * bound, bound);
    }

    [Fact]
    public void An_order_too_far_from_the_landmark_is_refused_instead_of_overflowing()
    {
        // SPEC 5.2 "Rescale if magnitudes ever approach overflow": the engine refuses rather than wraps.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => OrderContribution.From(Completed("a", 40 * 365), Policy, T0.ToUnixTimeSeconds()));
        Assert.Contains("move the landmark", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => OrderContribution.From(Completed("a"), Policy, long.MinValue));
    }

    [Fact]
    public void An_order_contribution_round_trips_through_its_stored_fields()
    {
        // SPEC 5.2 corrections: the service stores what it added with the order, to subtract exactly that later.
        var landmark = ForwardDecay.LandmarkFor(T0.ToUnixTimeSeconds(), Policy);
        var c = OrderContribution.From(Bad("a", 3) with { Review = FiveStars }, Policy, landmark);
        var fields = c.ToFields();
        Assert.Equal(16, fields.Length);
        Assert.Equal(c, OrderContribution.FromFields(fields));
        fields[4 + 6 + 2] = fields[4 + 2] + 1; // weighted > weight in ConflictFree
        Assert.Contains("ConflictFree", Assert.Throws<FormatException>(() => OrderContribution.FromFields(fields)).Message);
        Assert.Throws<FormatException>(() => OrderContribution.FromFields(fields[..5]));
    }
}
