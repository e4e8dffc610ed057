using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring.Api;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using Area = Marketplace.Contracts.Scoring.V1.Area;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// Issue 13, SPEC 5.3 "why did it move": the evaluation history and ExplainScoreChange over the
/// running service (events through the bus, a real Redis, the typed gRPC client), compared with
/// what the engine's <see cref="ScoreChangeExplainer"/> computes from the same facts.
/// </summary>
public sealed class ExplainScoreChangeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The clock of the evaluations: after every order of <see cref="ScoreTests.Group"/>.</summary>
    private static readonly DateTimeOffset Evaluated = T0.AddDays(100);

    private const double Tolerance = 1e-9;

    private static TestOrder Order(string id, string gig, string seller, int day) =>
        new() { OrderId = id, GigId = gig, SellerId = seller, CreatedAt = T0.AddDays(day), DeliveredAfter = TimeSpan.FromDays(6) };

    [Fact]
    public async Task A_score_moved_by_the_seller_s_own_late_order_is_explained_as_own_change_naming_that_order()
    {
        var clock = new FakeClock(Evaluated);
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        var orders = ScoreTests.Group().ToList();
        await scoring.DeliverAsync(orders);
        await scoring.RunEvaluationAsync();

        // a1 (the best Gig) gets an order delivered 12 days late on an 8-day order, with a poor review.
        var late = Order("a1-late", "a1", "seller-a", 50) with
        {
            DeliveredAfter = TimeSpan.FromDays(20),
            Review = new TestReview(2, 2, 2, 2, false, 2, T0.AddDays(72)),
        };
        await scoring.PublishAsync(late.Events());
        await scoring.CaughtUpAsync();
        clock.Advance(TimeSpan.FromDays(1));
        await scoring.RunEvaluationAsync();

        var explained = await ExplainAsync(scoring, "a1", "seller-a");

        // The engine, from the same facts: the two evaluations' snapshots and rankings.
        var first = Evaluation(orders, scoring.Policy);
        var second = Evaluation([.. orders, late], scoring.Policy);
        var engine = ScoreChangeExplainer.Explain(Snapshot(first, "a1"), Snapshot(second, "a1"), scoring.Policy);

        Assert.False(explained.NothingToCompare);
        Assert.Equal(engine.Before!.Value, explained.ScoreBefore, Tolerance);
        Assert.Equal(engine.After!.Value, explained.ScoreAfter, Tolerance);
        Assert.Equal(engine.OwnChange!.Value, explained.OwnChange, Tolerance);
        Assert.Equal(engine.PeerMovement!.Value, explained.PeerMovement, Tolerance);
        Assert.True(explained.OwnChange < 0, $"own change {explained.OwnChange}");
        Assert.True(Math.Abs(explained.OwnChange) > Math.Abs(explained.PeerMovement), $"own {explained.OwnChange} vs peers {explained.PeerMovement}");
        AssertAddsUp(explained);

        var top = explained.TopOrders[0];
        Assert.Equal("a1-late", top.OrderId);
        Assert.Equal(engine.TopOrders[0].OrderId, top.OrderId);
        Assert.Equal(OrderChangeReason.NewOrder, top.Reason);
        Assert.True(top.Impact < 0);
        Assert.Contains(top.AreaImpacts, a => a.Area == Area.OnTimeDelivery && a.Impact < 0);
        // Its effect per area is the engine's, order by order and area by area.
        foreach (var movement in engine.TopOrders.Where(m => m.OrderId == "a1-late"))
        {
            var area = top.AreaImpacts.Single(a => a.Area == ScoringMessages.ToProto(movement.Area));
            Assert.Equal(movement.QualityEffect, area.Impact, Tolerance);
        }

        Assert.Equal(1, explained.OrdersChanged);
        Assert.Equal(second.Ledgers["a1"].Aggregate.ScoredOrders, explained.After.ScoredOrders);
    }

    [Fact]
    public async Task A_score_moved_only_by_peers_is_explained_as_peer_movement_with_no_orders()
    {
        var clock = new FakeClock(Evaluated);
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        var orders = ScoreTests.Group().ToList();
        await scoring.DeliverAsync(orders);
        await scoring.RunEvaluationAsync();
        var c1Before = await scoring.GigScoreAsync("c1", "seller-c");

        // Only other sellers' Gigs change: a new Gig of seller-e with four perfect orders enters the group above c1.
        var five = new TestReview(5, 5, 5, 5, true, 10, T0.AddDays(80));
        var better = Enumerable.Range(0, 4).Select(i => Order($"e1-{i}", "e1", "seller-e", 40 + i) with { Review = five }).ToList();
        await scoring.DeliverAsync(better);
        clock.Advance(TimeSpan.FromDays(1));
        await scoring.RunEvaluationAsync();
        var c1After = await scoring.GigScoreAsync("c1", "seller-c");
        Assert.True(c1After.SuccessScore < c1Before.SuccessScore, $"c1 {c1Before.SuccessScore} -> {c1After.SuccessScore}");

        var explained = await ExplainAsync(scoring, "c1", "seller-c");
        var engine = ScoreChangeExplainer.Explain(
            Snapshot(Evaluation(orders, scoring.Policy), "c1"), Snapshot(Evaluation([.. orders, .. better], scoring.Policy), "c1"), scoring.Policy);

        Assert.Equal(0, explained.OwnChange);
        Assert.Equal(explained.TotalChange, explained.PeerMovement, Tolerance);
        Assert.True(explained.PeerMovement < 0);
        Assert.Equal(engine.PeerMovement!.Value, explained.PeerMovement, Tolerance);
        Assert.Empty(explained.TopOrders);
        Assert.Equal(0, explained.OrdersChanged);
        Assert.False(explained.PolicyChanged);
        Assert.False(explained.PeerGroupChanged);
        AssertAddsUp(explained);

        // The seller's own view says the same: all of it is peer movement.
        var seller = await scoring.Client.ExplainScoreChangeAsync(new ExplainScoreChangeRequest { SellerId = "seller-c" },
            Authorization(ScoringHarness.Bearer("seller-c", CallerRole.Seller))).ResponseAsync;
        Assert.Equal("c1", seller.Gigs.Single().GigId);
        Assert.Equal(explained.TotalChange, seller.TotalChange, Tolerance);
        Assert.Equal(0, seller.OwnChange, Tolerance);
        Assert.Equal(seller.TotalChange, seller.OwnChange + seller.PeerMovement + seller.PolicyEffect, Tolerance);
    }

    [Fact]
    public async Task The_first_evaluation_has_nothing_to_compare_and_says_so()
    {
        var clock = new FakeClock(Evaluated);
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        await scoring.DeliverAsync(ScoreTests.Group());

        var none = await ExplainAsync(scoring, "a1", "seller-a");
        Assert.True(none.NothingToCompare);
        Assert.Contains("no evaluation of this Gig yet", none.Note, StringComparison.Ordinal);
        Assert.Null(none.After);

        await scoring.RunEvaluationAsync();
        var first = await ExplainAsync(scoring, "a1", "seller-a");
        var score = await scoring.GigScoreAsync("a1", "seller-a");
        Assert.True(first.NothingToCompare);
        Assert.Contains("first evaluation", first.Note, StringComparison.Ordinal);
        Assert.Null(first.Before);
        Assert.Equal(score.SuccessScore, Math.Round(first.After.SuccessScore, 1, MidpointRounding.AwayFromZero));
        Assert.Equal(score.Quality, first.After.Quality);
        Assert.Equal(Evaluated, first.After.EvaluatedAt.ToDateTimeOffset());
        Assert.Equal(score.PeerGroup.GigCount, first.After.PeerGroup.GigCount);
        Assert.Equal(score.Areas.OrderBy(a => a.Area).Select(a => a.Index), first.After.AreaIndices.Select(a => a.Impact));
        Assert.Equal(score.Areas.OrderBy(a => a.Area).Select(a => a.PeerMean), first.After.PeerMeans.Select(a => a.Impact));
        Assert.Equal(PolicyVersion.Of(scoring.Policy), first.After.PolicyVersion);

        // The seller's view: one evaluation of the platform, nothing to compare either.
        var seller = await scoring.Client.ExplainScoreChangeAsync(new ExplainScoreChangeRequest { SellerId = "seller-a" },
            Authorization(ScoringHarness.Bearer("seller-a", CallerRole.Seller))).ResponseAsync;
        Assert.True(seller.NothingToCompare);
        Assert.Equal(["a1", "a2"], seller.Gigs.Select(g => g.GigId));
        Assert.All(seller.Gigs, g => Assert.True(g.NothingToCompare));
        Assert.Equal(first.After.SuccessScore, seller.ScoreAfter, Tolerance); // a2 has no score
    }

    [Fact]
    public async Task An_order_dropping_out_of_the_window_is_named_with_its_reason()
    {
        var clock = new FakeClock(Evaluated);
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        var orders = ScoreTests.Group().ToList();
        await scoring.DeliverAsync(orders);
        await scoring.RunEvaluationAsync();

        // An order ending on day 747: a1-1 (ended day 7) is more than 730 days older and drops out
        // (and the Gig's landmark moves to the next grid line: its sums are rebuilt).
        var newer = Order("a1-new", "a1", "seller-a", 740);
        await scoring.PublishAsync(newer.Events());
        await scoring.CaughtUpAsync();
        clock.Advance(TimeSpan.FromDays(1)); // the evaluations' clock is not the orders' times
        await scoring.RunEvaluationAsync();

        var explained = await ExplainAsync(scoring, "a1", "seller-a", maxOrders: 10);
        Assert.Equal(2, explained.OrdersChanged);
        var dropped = explained.TopOrders.Single(o => o.OrderId == "a1-1");
        Assert.Equal(OrderChangeReason.WindowDrop, dropped.Reason);
        Assert.Equal(OrderChangeReason.NewOrder, explained.TopOrders.Single(o => o.OrderId == "a1-new").Reason);

        var engine = ScoreChangeExplainer.Explain(
            Snapshot(Evaluation(orders, scoring.Policy), "a1"), Snapshot(Evaluation([.. orders, newer], scoring.Policy), "a1"), scoring.Policy, top: 50);
        Assert.Equal(engine.OwnChange!.Value, explained.OwnChange, Tolerance);
        foreach (var movement in engine.TopOrders.Where(m => m.OrderId == "a1-1"))
        {
            Assert.Equal(movement.QualityEffect, dropped.AreaImpacts.Single(a => a.Area == ScoringMessages.ToProto(movement.Area)).Impact, Tolerance);
        }

        AssertAddsUp(explained);
    }

    [Fact]
    public async Task A_review_removed_by_support_is_named_as_removal()
    {
        var clock = new FakeClock(Evaluated);
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        var orders = ScoreTests.Group().ToList();
        await scoring.DeliverAsync(orders);
        await scoring.RunEvaluationAsync();

        // b1-2's 2-star review is removed by support.
        var reviewed = orders.Single(o => o.OrderId == "b1-2");
        var removed = reviewed with { Review = reviewed.Review! with { Removed = true } };
        await scoring.PublishAsync(removed.Events().Where(e => e.Payload is Contracts.Reviews.V1.ReviewRemoved));
        await scoring.CaughtUpAsync();
        clock.Advance(TimeSpan.FromDays(1));
        await scoring.RunEvaluationAsync();

        var explained = await ExplainAsync(scoring, "b1", "seller-b");
        var top = explained.TopOrders.Single();
        Assert.Equal("b1-2", top.OrderId);
        Assert.Equal(OrderChangeReason.ReviewRemoved, top.Reason);
        Assert.True(top.Impact > 0, "a 2-star review taken out raises the quality");
        Assert.True(explained.OwnChange >= 0);

        var after = orders.Select(o => o.OrderId == "b1-2" ? removed : o).ToList();
        var engine = ScoreChangeExplainer.Explain(
            Snapshot(Evaluation(orders, scoring.Policy), "b1"), Snapshot(Evaluation(after, scoring.Policy), "b1"), scoring.Policy);
        Assert.Equal(engine.OwnChange!.Value, explained.OwnChange, Tolerance);
        Assert.Equal(engine.TopOrders.Sum(m => m.QualityEffect), top.Impact, Tolerance);
        AssertAddsUp(explained);
    }

    [Fact]
    public async Task A_policy_change_between_the_evaluations_is_named_with_what_it_alone_moved()
    {
        var clock = new FakeClock(Evaluated);
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        // d1: four 5-star orders, each delivered a day late: above c1 while satisfaction and value
        // weigh the most, below it once on-time delivery does.
        var five = new TestReview(5, 5, 5, 5, true, 10, T0.AddDays(60));
        var orders = ScoreTests.Group()
            .Concat(Enumerable.Range(1, 4).Select(i => Order($"d1-{i}", "d1", "seller-d", 10 * i) with { DeliveredAfter = TimeSpan.FromDays(9), Review = five }))
            .ToList();
        await scoring.DeliverAsync(orders);
        await scoring.RunEvaluationAsync();
        var before = scoring.Policy;
        var first = Evaluation(orders, before);

        var changed = new Dictionary<string, string?>
        {
            ["Scoring:AreaWeights:Satisfaction"] = "0.05",
            ["Scoring:AreaWeights:Communication"] = "0.05",
            ["Scoring:AreaWeights:ConflictFree"] = "0.05",
            ["Scoring:AreaWeights:Cancellations"] = "0.05",
            ["Scoring:AreaWeights:ValueForMoney"] = "0.05",
            ["Scoring:AreaWeights:OnTimeDelivery"] = "0.75",
        };
        await scoring.RestartAsync(changed, clock);
        clock.Advance(TimeSpan.FromDays(1));
        await scoring.RunEvaluationAsync();
        var after = scoring.Policy;
        Assert.NotEqual(PolicyVersion.Of(before), PolicyVersion.Of(after));

        bool anyMoved = false;
        foreach (var (gig, seller) in new[] { ("a1", "seller-a"), ("b1", "seller-b"), ("c1", "seller-c"), ("d1", "seller-d") })
        {
            var explained = await ExplainAsync(scoring, gig, seller);
            Assert.True(explained.PolicyChanged);
            Assert.Equal(PolicyVersion.Of(before), explained.Before.PolicyVersion);
            Assert.Equal(PolicyVersion.Of(after), explained.After.PolicyVersion);
            Assert.Contains("the policy changed", explained.Note, StringComparison.Ordinal);
            Assert.Equal(0, explained.OwnChange); // no order changed
            Assert.Empty(explained.TopOrders);
            AssertAddsUp(explained);

            // What the new numbers alone do: the earlier state scored under the new weights against
            // the earlier group (its means, the other Gigs' qualities as they were).
            var aggregate = first.Ledgers[gig].Aggregate;
            double oldQuality = GigScorer.Quality(aggregate, first.Means, before).Quality;
            double newQuality = GigScorer.Quality(aggregate, first.Means, after).Quality;
            double expected = 9 * (Percentile.Of(first.Ranking, newQuality, oldQuality) - Percentile.Of(first.Ranking, oldQuality, oldQuality));
            Assert.Equal(expected, explained.PolicyEffect, Tolerance);
            anyMoved |= explained.PolicyEffect != 0;
        }

        Assert.True(anyMoved, "the new weights move at least one Gig");
    }

    [Fact]
    public async Task Only_the_seller_support_and_internal_callers_see_it_and_an_outsider_learns_nothing_of_existence()
    {
        var clock = new FakeClock(Evaluated);
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        await scoring.DeliverAsync(ScoreTests.Group());
        await scoring.RunEvaluationAsync();

        async Task<RpcException> Refused(string gigId, string caller) => await Assert.ThrowsAsync<RpcException>(() =>
            scoring.Client.ExplainScoreChangeAsync(new ExplainScoreChangeRequest { GigId = gigId }, Authorization(caller)).ResponseAsync);

        foreach (var outsider in new[] { ScoringHarness.Bearer("buyer-1", CallerRole.Buyer), ScoringHarness.Bearer("seller-b", CallerRole.Seller) })
        {
            var existing = await Refused("a1", outsider);
            var unknown = await Refused("no-such-gig", outsider);
            Assert.Equal(StatusCode.PermissionDenied, existing.StatusCode);
            Assert.Equal(StatusCode.PermissionDenied, unknown.StatusCode);
            Assert.Equal(existing.Status.Detail.Replace("a1", "<id>", StringComparison.Ordinal), unknown.Status.Detail.Replace("no-such-gig", "<id>", StringComparison.Ordinal));
            Assert.DoesNotContain("seller-a", existing.Status.Detail, StringComparison.Ordinal);
        }

        // Permission before the other fields: an outsider's bad max_orders is still PERMISSION_DENIED.
        var badFieldByOutsider = await Assert.ThrowsAsync<RpcException>(() => scoring.Client.ExplainScoreChangeAsync(
            new ExplainScoreChangeRequest { GigId = "a1", MaxOrders = 500 }, Authorization(ScoringHarness.Bearer("seller-b", CallerRole.Seller))).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, badFieldByOutsider.StatusCode);

        var forSupport = await Refused("no-such-gig", ScoringHarness.Bearer("support-1", CallerRole.Support));
        Assert.Equal(StatusCode.NotFound, forSupport.StatusCode);

        foreach (var caller in new[] { ScoringHarness.Bearer("seller-a", CallerRole.Seller), ScoringHarness.Bearer("support-1", CallerRole.Support), ScoringHarness.Bearer("ranking", CallerRole.Internal) })
        {
            var seen = await scoring.Client.ExplainScoreChangeAsync(new ExplainScoreChangeRequest { GigId = "a1" }, Authorization(caller)).ResponseAsync;
            Assert.Equal("a1", seen.GigId);
            Assert.NotNull(seen.After);
        }
    }

    [Fact]
    public async Task Retention_trims_old_evaluations_their_group_snapshots_and_the_change_log()
    {
        var clock = new FakeClock(Evaluated);
        await using var scoring = await ScoringHarness.StartAsync(new Dictionary<string, string?> { ["Scoring:HistoryRetentionDays"] = "2" }, clock);
        var orders = ScoreTests.Group().ToList();
        await scoring.DeliverAsync(orders);

        var times = new List<DateTimeOffset>();
        for (int day = 0; day < 4; day++)
        {
            // One change of a1 between evaluations, so its change log has an entry each day.
            await scoring.PublishAsync(Order($"a1-day-{day}", "a1", "seller-a", 60 + day).Events());
            await scoring.CaughtUpAsync();
            times.Add(clock.Now);
            await scoring.RunEvaluationAsync();
            clock.Advance(TimeSpan.FromDays(1));
        }

        // Retention 2 days at the last evaluation (day 3): day 0 goes, days 1-3 stay.
        var history = await scoring.Db.StreamRangeAsync(ScoringKeys.GigHistory("a1"));
        Assert.Equal(times.Skip(1).Select(t => $"{t.ToUnixTimeMilliseconds()}-0"), history.Select(e => (string)e.Id!));
        Assert.False(await scoring.Db.KeyExistsAsync(ScoringKeys.PeerEvaluation("b3", times[0].ToUnixTimeMilliseconds())));
        Assert.True(await scoring.Db.KeyExistsAsync(ScoringKeys.PeerEvaluation("b3", times[1].ToUnixTimeMilliseconds())));
        Assert.Equal(times.Skip(1).Select(t => (double)t.ToUnixTimeMilliseconds()),
            (await scoring.Db.SortedSetRangeByRankWithScoresAsync(ScoringKeys.Evaluations)).Select(e => e.Score));

        // The change log keeps only what the kept evaluations need: the changes after the oldest kept one.
        var oldest = GigHistoryEntry.Parse((byte[])history[0][GigHistoryEntry.Field]!);
        var changes = await scoring.Db.SortedSetRangeByRankWithScoresAsync(ScoringKeys.GigChanges("a1"));
        Assert.Equal(2, changes.Length); // a1-day-2 and a1-day-3
        Assert.All(changes, c => Assert.True(c.Score > oldest.Revision));

        // An explanation from a trimmed evaluation says there is none.
        var fromTrimmed = await scoring.Client.ExplainScoreChangeAsync(
            new ExplainScoreChangeRequest { GigId = "a1", From = Timestamp.FromDateTimeOffset(times[0]) },
            Authorization(ScoringHarness.Bearer("seller-a", CallerRole.Seller))).ResponseAsync;
        Assert.True(fromTrimmed.NothingToCompare);
        Assert.Contains("no evaluation of this Gig at or before `from`", fromTrimmed.Note, StringComparison.Ordinal);

        // And the last two still explain, naming the order between them.
        var last = await ExplainAsync(scoring, "a1", "seller-a");
        Assert.Equal("a1-day-3", last.TopOrders.Single().OrderId);
    }

    [Fact]
    public async Task Concurrent_evaluations_all_succeed_and_each_Gig_s_history_stays_in_time_order()
    {
        await using var scoring = await ScoringHarness.StartAsync(); // the real clock: each run has its own time
        await scoring.DeliverAsync(ScoreTests.Group());

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => scoring.RunEvaluationAsync()));

        foreach (var gig in new[] { "a1", "b1", "c1" })
        {
            var times = (await scoring.Db.StreamRangeAsync(ScoringKeys.GigHistory(gig))).Select(e => long.Parse(((string)e.Id!).Split('-')[0])).ToList();
            Assert.NotEmpty(times);
            Assert.Equal(times.Order(), times);
        }

        var explained = await ExplainAsync(scoring, "a1", "seller-a");
        Assert.NotNull(explained.After);
    }

    private static async Task<ScoreChangeExplanation> ExplainAsync(ScoringHarness scoring, string gigId, string sellerId, int maxOrders = 0) =>
        await scoring.Client.ExplainScoreChangeAsync(new ExplainScoreChangeRequest { GigId = gigId, MaxOrders = maxOrders },
            Authorization(ScoringHarness.Bearer(sellerId, CallerRole.Seller))).ResponseAsync;

    /// <summary>The figures add up: own + peers + policy = total, and the areas' parts = the quality change.</summary>
    private static void AssertAddsUp(ScoreChangeExplanation explained)
    {
        Assert.Equal(explained.ScoreAfter - explained.ScoreBefore, explained.TotalChange, Tolerance);
        Assert.Equal(explained.TotalChange, explained.OwnChange + explained.PeerMovement + explained.PolicyEffect, Tolerance);
        Assert.Equal(explained.QualityAfter - explained.QualityBefore, explained.AreaChanges.Sum(a => a.Impact), Tolerance);
        Assert.Equal(6, explained.AreaChanges.Count);
        foreach (var order in explained.TopOrders)
        {
            Assert.Equal(order.Impact, order.AreaImpacts.Sum(a => a.Impact), Tolerance);
        }
    }

    /// <summary>The group after an evaluation of <paramref name="orders"/>: means snapshotted from their sums, qualities ranked at them.</summary>
    private static EngineExpectation Evaluation(IEnumerable<TestOrder> orders, ScoringPolicy policy)
    {
        var list = orders.ToList();
        return new EngineExpectation(list, policy, new EngineExpectation(list, policy).StatsMeans);
    }

    private static GigSnapshot Snapshot(EngineExpectation evaluation, string gigId) =>
        new(evaluation.Ledgers[gigId], evaluation.Means, evaluation.Ranking);
}
