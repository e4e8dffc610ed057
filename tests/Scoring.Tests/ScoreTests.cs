using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Xunit;
using OrderCancellationInitiator = Marketplace.Contracts.Orders.V1.CancellationInitiator;
using static Marketplace.Clients.PlatformClients;
using OrderCancellationReason = Marketplace.Contracts.Orders.V1.CancellationReason;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// The service against the engine: events in Redis Streams in, gRPC scores out, compared with
/// what the engine computes in memory from the same facts (SPEC 5.2, 5.3).
/// </summary>
public sealed class ScoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Four Gigs of three sellers in one peer group (band [100,250), too few Gigs for a category group).</summary>
    public static IReadOnlyList<TestOrder> Group()
    {
        var orders = new List<TestOrder>();
        var five = new TestReview(5, 5, 5, 5, true, 10, T0.AddDays(40));
        TestOrder O(string id, string gig, string seller, int day) => new() { OrderId = id, GigId = gig, SellerId = seller, CreatedAt = T0.AddDays(day), DeliveredAfter = TimeSpan.FromDays(6) };

        // a1: good, reviewed, quick replies.
        // An order of 300 USD weighs 1.25 (SPEC 5.2); the Gig's band is that of its latest order, 120 USD.
        orders.Add(O("a1-1", "a1", "seller-a", 0) with { Review = five, Conversation = (0, 0, TimeSpan.FromMinutes(30), 1), AmountCents = 30_000, BuyerId = "buyer-2" });
        orders.Add(O("a1-2", "a1", "seller-a", 10) with { Review = five with { Overall = 4, Value = 4, Private = 8 } });
        orders.Add(O("a1-3", "a1", "seller-a", 20));
        orders.Add(O("a1-4", "a1", "seller-a", 30));
        // a2: only two counted orders (no score yet) and one order cancelled for a reason that does not count.
        orders.Add(O("a2-1", "a2", "seller-a", 5));
        orders.Add(O("a2-2", "a2", "seller-a", 15) with { DeliveredAfter = TimeSpan.FromDays(10) });
        orders.Add(O("a2-3", "a2", "seller-a", 25) with { DeliveredAfter = null, Cancelled = (OrderCancellationInitiator.Buyer, OrderCancellationReason.PlacedByMistake, false) });
        // b1: late deliveries, a dispute, a seller cancellation, a slow conversation.
        orders.Add(O("b1-1", "b1", "seller-b", 2) with { DeliveredAfter = TimeSpan.FromDays(11) });
        orders.Add(O("b1-2", "b1", "seller-b", 12) with { Disputes = 1, Review = five with { Overall = 2, Communication = 2, Quality = 2, Value = 1, Recommend = false, Private = 3 } });
        orders.Add(O("b1-3", "b1", "seller-b", 22) with { DeliveredAfter = null, Cancelled = (OrderCancellationInitiator.Seller, OrderCancellationReason.SellerUnableToDeliver, false) });
        orders.Add(O("b1-4", "b1", "seller-b", 32) with { Conversation = (1, 0, TimeSpan.FromHours(30), 1) });
        // c1: average; on one order the buyer went silent on the seller after delivery (marked buyer
        // unresponsive): it counts as usual (SPEC 3, 5.1).
        orders.Add(O("c1-1", "c1", "seller-c", 3) with { Review = five with { Overall = 4, Communication = 4, Quality = 4, Value = 3, Private = 7 } });
        orders.Add(O("c1-2", "c1", "seller-c", 13) with { DeliveredAfter = TimeSpan.FromDays(9) });
        orders.Add(O("c1-3", "c1", "seller-c", 23));
        orders.Add(O("c1-4", "c1", "seller-c", 33) with { Conversation = (0, 1, TimeSpan.Zero, 0) });
        return orders;
    }

    [Fact]
    public async Task Gig_and_seller_scores_are_those_the_engine_computes_from_the_same_facts()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var orders = Group();
        await scoring.DeliverAsync(orders);

        // Before the group's first evaluation, qualities are taken at the policy prior (SPEC 5.2 shrinkage).
        var expected = new EngineExpectation(orders, scoring.Policy);
        await AssertScoresAsync(scoring, expected);

        // The evaluation snapshots the group's means from its sums and re-ranks at them.
        var summary = await scoring.RunEvaluationAsync();
        Assert.Equal(2, summary.PeerGroups); // the band group and the (band, category) group
        Assert.Equal(3 * 2, summary.GigsRanked);
        Assert.Equal(3, summary.SellersEvaluated);
        var evaluated = new EngineExpectation(orders, scoring.Policy, expected.StatsMeans);
        Assert.NotEqual(expected.Means[Engine.Area.OnTimeDelivery], evaluated.Means[Engine.Area.OnTimeDelivery]);
        await AssertScoresAsync(scoring, evaluated);
    }

    /// <summary>
    /// The attack: a buyer places a very large order on a Gig with delivered work and withdraws it as
    /// placed by mistake, to move the Gig into another price band's peer groups (SPEC 5.2) until its
    /// next order. The Gig keeps its groups and its score; a delivered order at the new price moves it.
    /// </summary>
    [Fact]
    public async Task A_withdrawn_order_does_not_move_a_Gig_with_delivered_work_to_another_price_band()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.DeliverAsync(Group());
        await scoring.RunEvaluationAsync();
        var before = await scoring.GigScoreAsync("a1", "seller-a");

        TestOrder Large(string id, int day) => new()
        {
            OrderId = id, GigId = "a1", SellerId = "seller-a", BuyerId = "buyer-9", CreatedAt = T0.AddDays(day), AmountCents = 900_000,
        };
        await scoring.DeliverAsync([Large("a1-withdrawn", 41) with
        {
            Cancelled = (OrderCancellationInitiator.Buyer, OrderCancellationReason.PlacedByMistake, false),
        }]);
        var after = await scoring.GigScoreAsync("a1", "seller-a");
        Assert.Equal(before.PeerGroup, after.PeerGroup);
        Assert.Equal(before.SuccessScore, after.SuccessScore);

        await scoring.DeliverAsync([Large("a1-large", 42) with { DeliveredAfter = TimeSpan.FromDays(2) }]);
        Assert.NotEqual(before.PeerGroup, (await scoring.GigScoreAsync("a1", "seller-a")).PeerGroup);
    }

    [Fact]
    public async Task Time_passing_and_a_second_evaluation_with_no_new_events_change_no_score()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.DeliverAsync(Group());
        await scoring.RunEvaluationAsync();
        var first = await AllScoresAsync(scoring);
        var state = await scoring.StateAsync();

        await scoring.RunEvaluationAsync();
        Assert.Equal(first, await AllScoresAsync(scoring));
        Assert.Equal(Keep(state), Keep(await scoring.StateAsync()));

        // Only the times of the evaluations move (and the run's request marker, and each means
        // snapshot's and seller record's revision, raised by every write of one), and the history
        // gains the second evaluation; rankings, sums, snapshots' values, levels and flags are identical.
        static IEnumerable<string> Keep(IEnumerable<string> lines) => lines.Where(l =>
            !l.Contains(" evaluated=", StringComparison.Ordinal)
            && !l.Contains($":means {PeerGroupStore.MeansRevisionField}=", StringComparison.Ordinal)
            && !(l.StartsWith("scoring:seller:{", StringComparison.Ordinal) && l.Contains($"}} {SellerRecord.RevisionField}=", StringComparison.Ordinal))
            && !l.Contains(":history ", StringComparison.Ordinal)
            && !l.Contains(":eval:", StringComparison.Ordinal)
            && !l.StartsWith(ScoringKeys.Evaluations, StringComparison.Ordinal)
            && !l.Contains(" at=", StringComparison.Ordinal)
            && !l.StartsWith(Names.DoneKey(ScoringHarness.AppId, ""), StringComparison.Ordinal)
            && !l.StartsWith(ScoringKeys.Evaluation, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_repeated_evaluation_request_gets_the_first_run_s_summary_and_runs_nothing()
    {
        var clock = new FakeClock(T0.AddDays(90));
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        await scoring.DeliverAsync(Group());
        var request = new RunEvaluationRequest { RequestId = "run-once" };
        var ops = Authorization(ScoringHarness.Bearer("ops", CallerRole.Internal));

        var first = await scoring.Client.RunEvaluationAsync(request, ops).ResponseAsync;
        var lastRun = await scoring.Db.HashGetAsync(ScoringKeys.Evaluation, "last_run");
        clock.Advance(TimeSpan.FromHours(1));
        var again = await scoring.Client.RunEvaluationAsync(request, ops).ResponseAsync;

        Assert.Equal(first, again);
        Assert.Equal(3, first.SellersEvaluated);
        Assert.Equal(lastRun, await scoring.Db.HashGetAsync(ScoringKeys.Evaluation, "last_run"));

        // A request id is the caller's own: another caller's same id is another request, and runs.
        var bySupport = await scoring.Client.RunEvaluationAsync(request, Authorization(ScoringHarness.Bearer("support-1", CallerRole.Support))).ResponseAsync;
        Assert.Equal(clock.Now, bySupport.EvaluatedAt.ToDateTimeOffset());
        Assert.NotEqual(lastRun, await scoring.Db.HashGetAsync(ScoringKeys.Evaluation, "last_run"));
    }

    [Fact]
    public async Task Events_in_any_order_and_repeated_give_the_same_aggregates()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var orders = Group();
        var events = orders.SelectMany(o => o.Events()).ToList();
        var shuffled = events.Concat(events.Take(7)).OrderBy(_ => Random.Shared.Next()).ToList();
        await scoring.PublishAsync(shuffled);
        await scoring.CaughtUpAsync();

        var expected = new EngineExpectation(orders, scoring.Policy);
        foreach (var (gigId, ledger) in expected.Ledgers)
        {
            Assert.Equal(ledger.Aggregate, await scoring.AggregateAsync(gigId));
        }
    }

    [Fact]
    public async Task A_review_removed_by_support_restores_the_aggregate_without_it()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var orders = Group();
        var reviewed = orders.First(o => o.OrderId == "a1-2");
        await scoring.DeliverAsync(orders);
        var withReview = await scoring.AggregateAsync("a1");

        await scoring.PublishAsync(reviewed with { Review = reviewed.Review! with { Removed = true } } is var removed
            ? removed.Events().Where(e => e.Payload is Contracts.Reviews.V1.ReviewRemoved)
            : []);
        await scoring.CaughtUpAsync();

        var without = new EngineExpectation(orders.Select(o => o.OrderId == "a1-2" ? o with { Review = null } : o), scoring.Policy);
        var after = await scoring.AggregateAsync("a1");
        Assert.NotEqual(withReview, after);
        Assert.Equal(without.Ledgers["a1"].Aggregate, after);
    }

    [Fact]
    public async Task An_order_that_does_not_count_changes_nothing()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var orders = Group();
        await scoring.DeliverAsync(orders);
        var before = await AllScoresAsync(scoring);
        var aggregate = await scoring.AggregateAsync("b1");

        var excluded = new TestOrder
        {
            OrderId = "b1-9",
            GigId = "b1",
            SellerId = "seller-b",
            CreatedAt = T0.AddDays(60),
            Cancelled = (OrderCancellationInitiator.Seller, OrderCancellationReason.BuyerUnresponsive, true),
        };
        await scoring.PublishAsync(excluded.Events());
        await scoring.CaughtUpAsync();

        Assert.Equal(aggregate, await scoring.AggregateAsync("b1"));
        Assert.Equal(before, await AllScoresAsync(scoring));
    }

    private static async Task AssertScoresAsync(ScoringHarness scoring, EngineExpectation expected)
    {
        foreach (var gigId in expected.Ledgers.Keys)
        {
            var want = expected.Gig(gigId);
            var got = await scoring.GigScoreAsync(gigId, expected.SellerOf[gigId]);
            Assert.Equal(want.HasScore, got.HasScore);
            Assert.Equal(want.Score ?? 0, got.SuccessScore);
            Assert.Equal(want.Percentile ?? 0, got.Percentile);
            Assert.Equal(want.Quality.Quality, got.Quality);
            Assert.Equal(want.ScoredOrders, got.ScoredOrders);
            Assert.Equal("[100,250)", got.PeerGroup.PriceRange);
            Assert.Equal("", got.PeerGroup.Category);
            foreach (var area in got.Areas)
            {
                var w = want.Quality[(Engine.Area)((int)area.Area - 1)];
                Assert.Equal(w.Index, area.Index);
                Assert.Equal(w.PeerMean, area.PeerMean);
                Assert.Equal(w.Impact, area.Impact);
            }

            Assert.Equal(got.Areas.Select(a => a.Impact).OrderByDescending(i => i), got.Areas.Select(a => a.Impact));
        }

        foreach (var sellerId in expected.SellerOf.Values.Distinct())
        {
            var want = expected.Seller(sellerId);
            var got = await scoring.SellerScoreAsync(sellerId);
            Assert.Equal(want.Score is not null, got.HasScore);
            Assert.Equal(want.Score ?? 0, got.SuccessScore);
            Assert.Equal(want.ScoredOrders, got.ScoredOrders);
        }
    }

    private static async Task<string> AllScoresAsync(ScoringHarness scoring)
    {
        var parts = new List<string>();
        foreach (var gig in new[] { "a1", "a2", "b1", "c1" })
        {
            var seller = gig[0] switch { 'a' => "seller-a", 'b' => "seller-b", _ => "seller-c" };
            var score = await scoring.GigScoreAsync(gig, seller);
            score.EvaluatedAt = null; // the read time
            parts.Add(score.ToString());
        }

        return string.Join("\n", parts);
    }
}
