using FsCheck;
using FsCheck.Fluent;

namespace Marketplace.Scoring.Engine.Tests;

/// <summary>
/// The invariants of issue 5, checked with FsCheck on generated orders (fixed seed, deterministic).
/// Each property names the invariant it checks.
/// </summary>
public sealed class PropertyTests
{
    private static readonly ScoringPolicy Policy = ScoringPolicy.Default;

    private static GigLedger Ledger(IEnumerable<OrderFacts> orders, string gig = "g", ScoringPolicy? policy = null)
    {
        var ledger = new GigLedger(gig, policy ?? Policy);
        foreach (var o in orders) ledger.Upsert(o);
        return ledger;
    }

    private static double Quality(GigLedger ledger, PeerMeans peers) => GigScorer.Quality(ledger.Aggregate, peers, Policy).Quality;

    [Fact]
    public void P1_time_passing_with_no_new_events_changes_no_score()
    {
        // Invariant (1), SPEC 5.2 "must not change with time alone": a later daily evaluation with no new
        // events — aggregates reloaded from their Redis fields, peer sums and ranking recomputed — gives the
        // same Gig scores, seller score and flag; and a later landmark (as after a replay years later)
        // gives the same qualities up to fixed-point rounding.
        var gen = Gen.Choose(3, 6).SelectMany(n => Gen.CollectToArray(
            Enumerable.Range(0, n).Select(i => Generators.SomeOrders(0, 12, 900, $"g{i}"))));
        Properties.Check(Prop.ForAll(gen.ToArbitrary(), gigs =>
        {
            var ledgers = gigs.Select((orders, i) => Ledger(orders, $"g{i}")).ToList();
            var day1 = EvaluateAll(ledgers.Select(l => l.Aggregate).ToList());
            var reloaded = ledgers.Select(l => GigAggregate.FromHashEntries(l.Aggregate.ToHashEntries())).ToList();
            var day2 = EvaluateAll(reloaded);
            var shifted = Policy with { LandmarkEpoch = Policy.LandmarkEpoch.AddDays(-777.25) };
            var later = gigs.Select((orders, i) => Ledger(orders, $"g{i}", shifted)).ToList();
            var means = PeerStats.Of(ledgers.Select(l => l.Aggregate), Policy).Means(Policy);
            var sameQualities = ledgers.Zip(later).All(p =>
                Math.Abs(GigScorer.Quality(p.First.Aggregate, means, Policy).Quality - GigScorer.Quality(p.Second.Aggregate, means, Policy).Quality) < 1e-9);
            return day1 == day2 && sameQualities;
        }), maxTest: 100);
    }

    [Fact]
    public void The_quality_alone_is_the_breakdown_s_quality_to_the_last_bit()
    {
        // GigScorer.QualityOf is what rankings hold and score reads check; Quality's breakdown is what
        // the API shows and the percentile uses. A ranking entry a read could not find again would make
        // every read of the Gig miss its counts, so the two must be the same double, not merely close.
        var gen = Gen.Choose(2, 5).SelectMany(n => Gen.CollectToArray(
            Enumerable.Range(0, n).Select(i => Generators.SomeOrders(0, 12, 900, $"g{i}"))));
        Properties.Check(Prop.ForAll(gen.ToArbitrary(), gigs =>
        {
            var aggregates = gigs.Select((orders, i) => Ledger(orders, $"g{i}").Aggregate).ToList();
            var means = PeerStats.Of(aggregates.Where(g => PeerStats.Counts(g, Policy)), Policy).Means(Policy);
            return aggregates.All(g =>
                BitConverter.DoubleToInt64Bits(GigScorer.QualityOf(g, means, Policy)) == BitConverter.DoubleToInt64Bits(GigScorer.Quality(g, means, Policy).Quality)
                && GigScorer.Quality(g, means, Policy).PeerMeanQuality == Areas.All.Sum(a => Policy.AreaWeights[a] * means[a]));
        }), maxTest: 200);
    }

    private static string EvaluateAll(IReadOnlyList<GigAggregate> gigs)
    {
        var scored = gigs.Where(g => PeerStats.Counts(g, Policy)).ToList();
        var means = PeerStats.Of(scored, Policy).Means(Policy);
        var qualities = gigs.Select(g => GigScorer.Quality(g, means, Policy).Quality).ToList();
        var ranking = PeerRanking.Of(gigs.Select((g, i) => (g, i)).Where(x => PeerStats.Counts(x.g, Policy)).Select(x => qualities[x.i]));
        var scores = gigs.Select((g, i) => GigScorer.Score(g, means, ranking, PeerStats.Counts(g, Policy) ? qualities[i] : null, Policy)).ToList();
        var seller = SellerScore.Of(scores);
        var flagFromClear = LowPerformance.Decide(false, scores, Policy).After;
        var flagFromSet = LowPerformance.Decide(true, scores, Policy).After;
        return string.Join("|", scores.Select(s => $"{s.Score}/{s.Percentile:R}/{s.Quality.Quality:R}")) + $"#{seller}#{flagFromClear}{flagFromSet}";
    }

    private static readonly Func<OrderFacts, OrderFacts>[] Improvements =
    [
        o => o.Review is { } r ? o with { Review = r with { Overall = Math.Min(5, r.Overall + 1) } } : o,
        o => o.Review is { } r ? o with { Review = r with { Communication = Math.Min(5, r.Communication + 1) } } : o,
        o => o.Review is { } r ? o with { Review = r with { ValueForMoney = Math.Min(5, r.ValueForMoney + 1) } } : o,
        o => o.Review is { } r ? o with { Review = r with { WouldRecommend = true } } : o,
        o => o.PrivateRating is { } p ? o with { PrivateRating = Math.Min(10, p + 3) } : o,
        o => o with { DisputeOpened = false },
        o => o with { EscalatedToSupport = false },
        o => o with { SellerUnresponsive = false },
        o => o.SellerResponseHours is { } h ? o with { SellerResponseHours = h / 3 } : o,
        o => o.FirstDeliveryAt is { } d ? o with { FirstDeliveryAt = d.AddHours(-30) < o.CreatedAt ? o.CreatedAt : d.AddHours(-30) } : o,
        o => o.Cancellation is { Initiator: CancellationInitiator.Seller } c ? o with { Cancellation = c with { Initiator = CancellationInitiator.Mutual } } : o,
        o => o with { BuyerUnresponsiveWait = o.BuyerUnresponsiveWait + TimeSpan.FromHours(20) },
    ];

    [Fact]
    public void P2_a_better_outcome_on_one_order_never_lowers_the_gigs_quality()
    {
        // Invariant (2), SPEC 5.1 "higher is better": improving any single input of one order cannot lower the quality.
        var gen =
            from others in Generators.SomeOrders(0, 20, 600)
            from target in Generators.Order("target", "g", 600)
            from improvements in Gen.SubListOf(Enumerable.Range(0, Improvements.Length))
            from peers in Generators.Peers
            select (others, target, improvements, peers);
        Properties.Check(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var better = c.improvements.Aggregate(c.target, (o, i) => Improvements[i](o));
            var before = Quality(Ledger([.. c.others, c.target]), c.peers);
            var after = Quality(Ledger([.. c.others, better]), c.peers);
            return after >= before - 1e-12;
        }), maxTest: 300);
    }

    [Fact]
    public void P3_excluded_orders_change_nothing()
    {
        // Invariant (3), SPEC 5.1: cancellations that do not count are
        // left out of every area — the aggregate is bit-for-bit the same with or without them, wherever they fall.
        var nonCounting = Policy.Cancellations.NotCounting.ToArray();
        var gen =
            from counted in Generators.Orders(15, 2000)
            from extra in Generators.Orders(8, 2400)
            from reasons in Gen.CollectToArray(extra.Select(_ => Gen.Elements(nonCounting)))
            from order in Gen.Shuffle(counted.Concat(extra.Select((e, i) => Exclude(e, i, reasons[i]))).ToArray())
            select (counted, order);
        Properties.Check(Prop.ForAll(gen.ToArbitrary(), c =>
            Ledger(c.counted).Aggregate.Equals(Ledger(c.order).Aggregate)), maxTest: 200);
    }

    private static OrderFacts Exclude(OrderFacts o, int i, CancellationReason reason) =>
        o with
        {
            OrderId = $"x{i}",
            CompletedAt = null,
            Cancellation = new CancellationFacts(o.OutcomeAt!.Value, CancellationInitiator.Mutual, reason),
        };

    /// <summary>
    /// The bound of invariant (4) for one area with n applicable orders, when the new order's weight is at
    /// most rho times the lightest existing one: |Δindex| ≤ (n+1)/(n+1+k) · rho/(n+rho) + k/((n+k)(n+k+1)).
    /// See docs/scoring.md for the derivation.
    /// </summary>
    internal static double AreaBound(int n, double rho, double k) =>
        (n + 1) / (n + 1 + k) * rho / (n + rho) + k / ((n + k) * (n + k + 1));

    [Fact]
    public void P4_with_50_orders_one_more_bad_order_moves_the_gig_by_a_bounded_amount()
    {
        // Invariant (4), SPEC 5.2 "few orders must not swing a score": the quality moves by at most
        // Σ_a w_a · AreaBound(n_a, rho); the success score by at most 9 × (share of peers between the two qualities).
        var gen =
            from orders in Generators.Orders(50, 600)
            from bad in Generators.Order("bad", "g", 600)
            from peers in Generators.Peers
            from peerCount in Gen.Choose(2, 300)
            from peerQualities in Gen.CollectToArray(Enumerable.Range(0, peerCount).Select(_ => Gen.Choose(0, 10_000).Select(x => x / 10_000.0)))
            select (orders, bad: Worst(bad), peers, peerQualities);
        Properties.Check(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var ledger = Ledger(c.orders);
            var before = GigScorer.Quality(ledger.Aggregate, c.peers, Policy);
            var after = ledger.Clone();
            after.Upsert(c.bad);
            var afterQuality = GigScorer.Quality(after.Aggregate, c.peers, Policy);
            var added = after.Counted["bad"];
            var lightest = ledger.Counted.Values.Min(o => o.Weight(Area.ConflictFree));
            var rho = (double)added.Weight(Area.ConflictFree) / lightest;
            var bound = Areas.All.Where(added.Applies).Sum(a => Policy.AreaWeights[a] * AreaBound(ledger.Aggregate.Count(a), rho, Policy.ShrinkagePseudoOrders));
            var qualityOk = Math.Abs(afterQuality.Quality - before.Quality) <= bound + 1e-12
                && bound <= WorstCaseQualityBound50 + 1e-12;

            var ranking = PeerRanking.Of([.. c.peerQualities, before.Quality]);
            var p0 = Percentile.Of(ranking, before.Quality, before.Quality);
            var p1 = Percentile.Of(ranking, afterQuality.Quality, before.Quality);
            var lo = Math.Min(before.Quality, afterQuality.Quality);
            var hi = Math.Max(before.Quality, afterQuality.Quality);
            var between = c.peerQualities.Count(q => q >= lo && q <= hi);
            var scoreOk = Math.Abs(9 * (p1 - p0)) <= 9.0 * between / c.peerQualities.Length + 1e-12;
            return qualityOk && scoreOk;
        }), maxTest: 100);
    }

    /// <summary>The headline of invariant (4): 50 orders with data in every area, the new one up to 1.5 × 2^(730/180) heavier.</summary>
    internal static readonly double WorstCaseQualityBound50 = AreaBound(50, 1.5 * Math.Pow(2, 730 / 180.0), 5);

    [Fact]
    public void P4_the_stated_bounds_are_what_the_docs_say()
    {
        // Invariant (4), stated numbers (docs/scoring.md): worst case 0.305 of quality, equal weights 0.0195.
        Assert.Equal(0.305, WorstCaseQualityBound50, 0.0005);
        Assert.Equal(0.0195, AreaBound(50, 1, 5), 0.0005);
    }

    private static OrderFacts Worst(OrderFacts o) => o with
    {
        Review = new ReviewFacts(1, 1, 1, 1, false),
        PrivateRating = 0,
        DisputeOpened = true,
        SellerUnresponsive = true,
        BuyerUnresponsiveWait = TimeSpan.Zero,
        FirstDeliveryAt = null,
        CompletedAt = null,
        Cancellation = new CancellationFacts(o.OutcomeAt!.Value > o.DueAt ? o.OutcomeAt.Value : o.DueAt.AddHours(1),
            CancellationInitiator.Seller, CancellationReason.SellerUnableToDeliver),
    };

    [Fact]
    public void P5_the_six_impacts_sum_to_quality_minus_peer_mean()
    {
        // Invariant (5), SPEC 5.3: Σ impact = quality − peer-mean quality.
        var gen = from orders in Generators.SomeOrders(0, 30, 700) from peers in Generators.Peers select (orders, peers);
        Properties.Check(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var q = GigScorer.Quality(Ledger(c.orders).Aggregate, c.peers, Policy);
            return Math.Abs(q.Areas.Sum(a => a.Impact) - (q.Quality - q.PeerMeanQuality)) <= 1e-12;
        }), maxTest: 300);
    }

    [Fact]
    public void P6_applying_events_in_any_order_yields_the_same_aggregate()
    {
        // Invariant (6), SPEC 5.2/6: events arrive in any order; each order's facts pass through partial
        // versions (no outcome yet, review or private rating not yet known, dispute or the wait on an unresponsive buyer
        // mark not yet known) in any interleaving, across evaluation windows and landmark moves.
        var gen =
            from finals in Generators.SomeOrders(1, 25, 3500)
            from partials in Gen.CollectToArray(finals.Select(f =>
                Gen.ListOf(Gen.Choose(1, 31), 3).Select(masks => masks.Select(m => Partial(f, m)).Append(f).ToArray())))
            from interleaving in Gen.Shuffle(partials.SelectMany((versions, i) => versions.Select((_, v) => (i, v))).ToArray())
            select (finals, partials, interleaving);
        Properties.Check(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            // Merge like the service: for each order keep the latest version seen so far (the highest version index).
            var latest = new Dictionary<int, int>();
            var ledger = new GigLedger("g", Policy);
            foreach (var (i, v) in c.interleaving)
            {
                if (latest.TryGetValue(i, out var seen) && seen >= v) continue;
                latest[i] = v;
                ledger.Upsert(c.partials[i][v]);
            }
            var reference = Ledger(c.finals.OrderBy(f => f.OutcomeAt));
            return reference.Aggregate.Equals(ledger.Aggregate);
        }), maxTest: 200);
    }

    private static OrderFacts Partial(OrderFacts f, int mask) => f with
    {
        CompletedAt = (mask & 1) != 0 ? null : f.CompletedAt,
        Cancellation = (mask & 1) != 0 ? null : f.Cancellation,
        Review = (mask & 2) != 0 ? null : f.Review,
        PrivateRating = (mask & 4) != 0 ? null : f.PrivateRating,
        DisputeOpened = (mask & 8) == 0 && f.DisputeOpened,
        BuyerUnresponsiveWait = (mask & 16) == 0 ? f.BuyerUnresponsiveWait : TimeSpan.Zero,
    };

    [Fact]
    public void P7_removing_a_review_restores_the_aggregate_without_it()
    {
        // Invariant (7), SPEC 4/5.2: a review removed by support stops counting; nothing of it remains.
        var gen =
            from others in Generators.SomeOrders(0, 20, 1500)
            from target in Generators.Order("target", "g", 1500)
            from review in Gen.Choose(1, 5).Select(s => new ReviewFacts(s, 6 - s, s, 6 - s, s > 2))
            select (others, target: target with { Review = null }, review);
        Properties.Check(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var without = Ledger([.. c.others, c.target]);
            var ledger = Ledger([.. c.others, c.target]);
            ledger.Upsert(c.target with { Review = c.review });
            var changed = !ledger.Aggregate.Equals(without.Aggregate) || !AreaIndexer.IsIncluded(c.target, Policy) || !ledger.Counted.ContainsKey("target");
            ledger.Upsert(c.target);
            return changed && ledger.Aggregate.Equals(without.Aggregate);
        }), maxTest: 300);
    }

    [Fact]
    public void P8_the_low_performance_flag_does_not_flap_inside_the_hysteresis_band()
    {
        // Invariant (8), SPEC 5.5: scores oscillating strictly between 3.0 and 4.0 never change the flag;
        // and over any sequence the flag changes only when the score reaches a threshold.
        var inBand = Gen.Choose(31, 39).Select(x => x / 10.0);
        var anyScore = Gen.Choose(10, 100).Select(x => x / 10.0);
        var gen =
            from start in Gen.Elements(true, false)
            from band in Gen.ListOf(inBand, 40)
            from free in Gen.ListOf(anyScore, 40)
            select (start, band, free);
        Properties.Check(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var flag = c.start;
            foreach (var s in c.band)
            {
                var d = LowPerformance.Decide(flag, [SellerGig(s)], Policy);
                if (d.Changed) return false;
            }
            foreach (var s in c.free)
            {
                var d = LowPerformance.Decide(flag, [SellerGig(s)], Policy);
                if (d.Changed && !(d.After ? s <= 3.0 : s >= 4.0)) return false;
                flag = d.After;
            }
            return true;
        }), maxTest: 200);
    }

    private static readonly GigQuality SomeQuality =
        GigScorer.Quality(Ledger(Generators.Orders(10, 100).Sample(1, new Rnd(1, 3), 1)[0]).Aggregate, PeerMeans.Uniform(0.8), Policy) with { ScoredOrders = 10 };

    private static GigScore SellerGig(double score) => new(SomeQuality, (score - 1) / 9, score, score);
}
