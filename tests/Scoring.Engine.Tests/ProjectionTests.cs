using static Marketplace.Scoring.Engine.Tests.Orders;

namespace Marketplace.Scoring.Engine.Tests;

/// <summary>SPEC 5.3: what-if projection and "why did it move".</summary>
public sealed class ProjectionTests
{
    private static readonly ScoringPolicy Policy = ScoringPolicy.Default;
    private static readonly PeerMeans Peers = PeerMeans.Uniform(0.8);

    private static GigSnapshot Snapshot(GigLedger gig, PeerMeans peers, IEnumerable<double> otherQualities)
    {
        var own = GigScorer.Quality(gig.Aggregate, peers, Policy).Quality;
        var all = otherQualities.ToList();
        if (gig.Aggregate.ScoredOrders >= Policy.MinScoredOrders) all.Add(own);
        return new GigSnapshot(gig, peers, PeerRanking.Of(all));
    }

    private static readonly double[] Others = Enumerable.Range(0, 40).Select(i => 0.55 + i * 0.01).ToArray();

    [Fact]
    public void What_if_projects_gig_and_seller_scores_without_changing_anything()
    {
        // SPEC 5.3 what-if: "next 10 orders on time, 5 stars" → projected Gig and seller scores, nothing changed.
        var ledger = Ledger([Completed("a") with { Review = OneStar }, Bad("b", 2), Completed("c", 4), Completed("d", 6)]);
        var before = ledger.Aggregate.Clone();
        var snapshot = Snapshot(ledger, Peers, Others);
        var future = Enumerable.Range(0, 10).Select(i => Completed($"f{i}", 10 + i) with { Review = FiveStars, PrivateRating = 10 });
        var otherGig = new GigScore(GigScorer.Quality(before, Peers, Policy) with { ScoredOrders = 20 }, 0.5, 5.5, 5.5);

        var result = WhatIf.Project(snapshot, future, [otherGig], Policy);

        Assert.True(result.ProjectedGig.Score > result.CurrentGig.Score);
        Assert.True(result.ProjectedSeller.Score > result.CurrentSeller.Score);
        Assert.Equal(14, result.ProjectedGig.ScoredOrders);
        Assert.Equal(before, ledger.Aggregate); // the input is untouched
        Assert.Equal(4, ledger.Facts.Count);
        Assert.Equal(result.CurrentGig, snapshot.Score(Policy) with { Quality = result.CurrentGig.Quality });
    }

    [Fact]
    public void What_if_refuses_a_hypothetical_order_that_already_exists()
    {
        // SPEC 7: bad input is refused naming the field or rule, and changes nothing.
        var ledger = Ledger([Completed("a"), Completed("b", 1), Completed("c", 2)]);
        var ex = Assert.Throws<ArgumentException>(() => WhatIf.Project(Snapshot(ledger, Peers, Others), [Completed("a", 9)], [], Policy));
        Assert.Contains("'a' already exists", ex.Message);
    }

    [Fact]
    public void A_change_from_own_orders_is_own_change_and_names_the_orders_that_moved_it()
    {
        // SPEC 5.3 "why did it move": own change vs peer movement, and the orders (id and area) that moved it most.
        var orders = Enumerable.Range(0, 6).Select(i => Completed($"o{i}", i) with { Review = FiveStars }).ToList();
        var beforeLedger = Ledger(orders);
        var afterLedger = beforeLedger.Clone();
        afterLedger.Upsert(Completed("o3", 3) with { Review = FiveStars, DisputeOpened = true, EscalatedToSupport = true });
        var before = Snapshot(beforeLedger, Peers, Others);
        var after = Snapshot(afterLedger, Peers, Others);

        var change = ScoreChangeExplainer.Explain(before, after, Policy);

        Assert.True(change.After < change.Before);
        Assert.Equal(change.After - change.Before, change.OwnChange);
        Assert.Equal(0.0, change.PeerMovement!.Value, 1e-12);
        Assert.All(change.TopOrders, m => Assert.Equal("o3", m.OrderId));
        Assert.Equal(Area.ConflictFree, change.TopOrders[0].Area); // its index fell from 1 to 0
        Assert.Contains(change.TopOrders, m => m.Area == Area.Satisfaction); // a negative event, but 5 stars
        Assert.Equal(2, change.TopOrders.Count);
        Assert.All(change.TopOrders, m => Assert.True(m.QualityEffect < 0));
    }

    [Fact]
    public void A_change_from_peers_alone_is_peer_movement()
    {
        // SPEC 5.3: the change is split into own change and peer movement (other Gigs in the peer group).
        var ledger = Ledger(Enumerable.Range(0, 6).Select(i => Completed($"o{i}", i)));
        var before = Snapshot(ledger, Peers, Others);
        var after = Snapshot(ledger.Clone(), Peers, Others.Select(q => q + 0.2)); // the others got better
        var change = ScoreChangeExplainer.Explain(before, after, Policy);
        Assert.True(change.After < change.Before);
        Assert.Equal(0.0, change.OwnChange!.Value, 1e-12);
        Assert.Equal(change.After!.Value - change.Before!.Value, change.PeerMovement!.Value, 1e-12);
        Assert.Empty(change.TopOrders);
    }

    [Fact]
    public void Own_change_and_peer_movement_add_up_to_the_total_change()
    {
        // SPEC 5.3: the split is complete: own + peer = after − before.
        var beforeLedger = Ledger(Enumerable.Range(0, 5).Select(i => Completed($"o{i}", i)));
        var afterLedger = beforeLedger.Clone();
        afterLedger.Upsert(Bad("o5", 9));
        var before = Snapshot(beforeLedger, Peers, Others);
        var after = Snapshot(afterLedger, PeerMeans.Uniform(0.7), Others.Select(q => q - 0.05));
        var change = ScoreChangeExplainer.Explain(before, after, Policy);
        Assert.Equal(change.After!.Value - change.Before!.Value, change.OwnChange!.Value + change.PeerMovement!.Value, 1e-12);
        Assert.Equal("o5", change.TopOrders[0].OrderId);
    }
}
