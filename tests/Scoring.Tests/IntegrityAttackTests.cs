using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring.Store;
using StackExchange.Redis;
using Xunit;
using Area = Marketplace.Contracts.Scoring.V1.Area;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// Issue 12: what a seller (or a hostile buyer) would try against Scoring, through the events the
/// other services publish and Scoring's gRPC answers. The expected figures are worked out by hand
/// in the comments (default policy: a Gig with one order has each area shrunk toward the prior
/// 0.8 with 5 pseudo-orders, index = (x + 5 × 0.8) / 6).
/// </summary>
public sealed class IntegrityAttackTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private static TestOrder Order(string id, string gig, string seller, int day, string buyer = "buyer-1") =>
        new() { OrderId = id, GigId = gig, SellerId = seller, BuyerId = buyer, CreatedAt = T0.AddDays(day), DeliveredAfter = TimeSpan.FromDays(6) };

    private static double Index(GigScore score, Area area) => score.Areas.Single(a => a.Area == area).Index;

    private static double Shrunk(double x) => (x + (5 * 0.8)) / 6;

    /// <summary>
    /// A burst on one Gig, the events handled by many workers at once: every unit of work reads the
    /// same Gig hash, and each commit is checked on the hash's <c>rev</c> alone
    /// (<see cref="Marketplace.EventBus.UnitOfWork.ReadVersionedHashAsync"/>). If a commit could
    /// land on a Gig another one had changed since its read, a contribution would be lost (or a
    /// late one counted twice) and the aggregate would differ from the engine's over the same facts.
    /// </summary>
    [Fact]
    public async Task A_burst_of_orders_on_one_Gig_handled_concurrently_loses_and_doubles_nothing()
    {
        await using var scoring = await ScoringHarness.StartAsync(new Dictionary<string, string?> { ["EventBus:Workers"] = "16" });
        var review = new TestReview(5, 4, 5, 4, true, 9, T0.AddDays(90));
        var orders = Enumerable.Range(0, 40).Select(i => Order($"burst-{i:D2}", "burst", "seller-burst", i % 20, $"buyer-{i % 7}") with
        {
            DeliveredAfter = TimeSpan.FromDays(4 + (i % 7)),        // some late (the due date is day 8)
            Review = i % 3 == 0 ? review with { Overall = 3 + (i % 3) } : null,
            Disputes = i % 11 == 0 ? 1 : 0,
        }).ToList();

        await scoring.DeliverAsync(orders);

        var expected = new EngineExpectation(orders, scoring.Policy);
        Assert.Equal(expected.Ledgers["burst"].Aggregate, await scoring.AggregateAsync("burst"));
        Assert.Equal(40, (await scoring.AggregateAsync("burst")).ScoredOrders);
    }

    [Fact]
    public async Task A_review_request_after_completion_that_the_buyer_leaves_unanswered_takes_nothing_out_of_the_score()
    {
        // Hole 2: a seller asks for a review after completion, the buyer stays silent for 24 h and
        // Messaging marks the buyer unresponsive. Before the fix Scoring dropped the order (a late
        // one with a 1-star review) from every area, and the seller's Gig got better.
        await using var scoring = await ScoringHarness.StartAsync();
        var bad = Order("bad-1", "gig-r", "seller-r", 20) with
        {
            DeliveredAfter = TimeSpan.FromDays(12),
            Review = new TestReview(1, 1, 1, 1, false, 0, T0.AddDays(40)),
        };
        await scoring.DeliverAsync(new[] { Order("ok-1", "gig-r", "seller-r", 0), Order("ok-2", "gig-r", "seller-r", 10), bad });
        var aggregate = await scoring.AggregateAsync("gig-r");
        var before = await scoring.GigScoreAsync("gig-r", "seller-r");

        var asked = bad.EndedAt.AddHours(2);
        var conversation = new Conversation
        {
            ConversationId = "conv-bad-1",
            Version = 1,
            BuyerId = bad.BuyerId,
            SellerId = bad.SellerId,
            OrderId = bad.OrderId,
            OpenedBy = PartyRole.Seller,
            StartedAt = Timestamp.FromDateTimeOffset(asked),
            LastMessageAt = Timestamp.FromDateTimeOffset(asked),
            MessageCount = 1,
            AwaitingReplyFrom = PartyRole.Buyer,
            AwaitingSince = Timestamp.FromDateTimeOffset(asked),
            ReviewRequestedAt = Timestamp.FromDateTimeOffset(asked),
        };
        var request = new ChatMessage { MessageId = "m-1", SenderRole = PartyRole.Seller, SenderId = bad.SellerId, SentAt = Timestamp.FromDateTimeOffset(asked), Text = "Would you leave a review?" };
        var marked = conversation.Clone();
        marked.Version = 2;
        marked.BuyerUnresponsiveCount = 1;
        await scoring.PublishAsync(
        [
            (new ReviewRequested { Conversation = conversation, Message = request }, conversation.ConversationId),
            (new BuyerUnresponsiveMarked { Conversation = marked, MessageSentAt = request.SentAt, MarkedAt = Timestamp.FromDateTimeOffset(asked.AddHours(25)) }, conversation.ConversationId),
        ]);
        await scoring.CaughtUpAsync();

        var after = await scoring.GigScoreAsync("gig-r", "seller-r");
        Assert.Equal(3, after.ScoredOrders);
        Assert.Equal(aggregate, await scoring.AggregateAsync("gig-r"));
        before.EvaluatedAt = after.EvaluatedAt = null;
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task A_real_wait_on_the_buyer_before_delivery_is_kept_out_of_lateness_by_exactly_the_wait()
    {
        // Hole 2, the rule that stays: two 8-day orders delivered on day 10 (2 days late). On one the
        // seller waited 36 h for the buyer's requirements (Messaging's buyer_unresponsive_wait).
        await using var scoring = await ScoringHarness.StartAsync();
        var waited = new TestOrder
        {
            OrderId = "w-1", GigId = "gig-wait", SellerId = "seller-w", CreatedAt = T0, DeliveredAfter = TimeSpan.FromDays(10),
            Conversation = (0, 1, TimeSpan.Zero, 0), BuyerWait = TimeSpan.FromHours(36),
        };
        var plain = waited with { OrderId = "p-1", GigId = "gig-plain", SellerId = "seller-p", Conversation = (0, 0, TimeSpan.Zero, 0), BuyerWait = TimeSpan.Zero };
        await scoring.DeliverAsync(new[] { waited, plain });

        var w = await scoring.GigScoreAsync("gig-wait", "seller-w");
        var p = await scoring.GigScoreAsync("gig-plain", "seller-p");
        // Waited: 2 d − 1.5 d = 0.5 d late of 8 d: 1 − (0.5 / 8) / 0.5 = 0.875. Plain: 1 − (2 / 8) / 0.5 = 0.5.
        Assert.Equal(Shrunk(0.875), Index(w, Area.OnTimeDelivery), 9);
        Assert.Equal(Shrunk(0.5), Index(p, Area.OnTimeDelivery), 9);
        Assert.Equal(1, w.ScoredOrders);
        foreach (var area in new[] { Area.Satisfaction, Area.Communication, Area.ConflictFree, Area.Cancellations, Area.ValueForMoney })
        {
            Assert.Equal(Index(p, area), Index(w, area));
        }
    }

    [Fact]
    public async Task A_review_without_a_private_rating_is_not_scored_as_if_it_were_zero()
    {
        // Hole 5: the same public review on two Gigs, one with a private rating of 0, one without.
        // Satisfaction of one order: overall 3 stars = 0.5 (weight 0.5), no incident = 1 (weight 0.2),
        // private rating / 10 (weight 0.3) only when given: (0.25 + 0.2) / 0.7 without, 0.45 with 0.
        await using var scoring = await ScoringHarness.StartAsync();
        var review = new TestReview(3, 4, 4, 4, true, null, T0.AddDays(20));
        var without = Order("np-1", "gig-np", "seller-np", 0) with { Review = review };
        var zero = Order("zp-1", "gig-zp", "seller-zp", 0) with { Review = review with { Private = 0 } };
        await scoring.DeliverAsync(new[] { without, zero });

        Assert.Equal(Shrunk(0.45 / 0.7), Index(await scoring.GigScoreAsync("gig-np", "seller-np"), Area.Satisfaction), 9);
        Assert.Equal(Shrunk(0.45), Index(await scoring.GigScoreAsync("gig-zp", "seller-zp"), Area.Satisfaction), 9);
        // Stored as given: absent stays absent, 0 stays 0.
        var stored = async (string orderId) => OrderRecord.FromFields(HashReader.From($"scoring order {orderId}", await scoring.Db.HashGetAllAsync(ScoringKeys.Order(orderId)))).Ratings!;
        Assert.False((await stored("np-1")).HasPrivateRating);
        Assert.True((await stored("zp-1")).HasPrivateRating);
        Assert.Equal(0, (await stored("zp-1")).PrivateRating);
    }

    [Fact]
    public async Task Levels_use_the_response_rate_messaging_publishes_and_an_older_report_changes_nothing()
    {
        // Hole 10: one computation of the response rate, Messaging's. A seller with every other Level 1
        // criterion (5 five-star orders, 3 clients, 600 USD) but half of the buyers' conversations
        // unanswered stays New Seller, whatever Scoring could count itself.
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.PublishAsync([Stats("seller-pro", rate: 0.5, opened: 4, answered: 2, T0.AddDays(60))]);
        await scoring.CaughtUpAsync();
        var five = new TestReview(5, 5, 5, 5, true, 10, T0.AddDays(30));
        string[] buyers = ["buyer-1", "buyer-2", "buyer-3", "buyer-1", "buyer-2"];
        var peers = from g in Enumerable.Range(1, 3)
                    from n in Enumerable.Range(1, 3)
                    select Order($"peer{g}-{n}", $"peer{g}", $"peer-seller-{g}", n) with
                    {
                        DeliveredAfter = TimeSpan.FromDays(4 + g),
                        Review = new TestReview(3 + (g % 3), 4, 4, 4, g != 2, 7, T0.AddDays(30)),
                    };
        var pro = buyers.Select((b, n) => Order($"pro-{n}", "pro-gig", "seller-pro", n, b) with { Review = five });
        await scoring.DeliverAsync(peers.Concat(pro));

        var held = await scoring.SellerLevelAsync("seller-pro", "seller-pro", CallerRole.Seller);
        Assert.Equal(SellerLevelKind.NewSeller, held.Level);
        Assert.Equal(0.5, held.Metrics.ResponseRate);
        Assert.Equal(["Level1 response rate: 50 %, needs ≥ 90 %"], held.UnmetCriteria);
        Assert.Empty(await scoring.ScoringPayloadsAsync("seller-pro", SellerLevelChanged.Parser));

        await scoring.PublishAsync([Stats("seller-pro", rate: 0.95, opened: 20, answered: 19, T0.AddDays(61))]);
        await scoring.CaughtUpAsync();
        var promoted = await scoring.SellerLevelAsync("seller-pro", "seller-pro", CallerRole.Seller);
        Assert.Equal(SellerLevelKind.LevelOne, promoted.Level);
        Assert.Equal(0.95, promoted.Metrics.ResponseRate);

        // A report computed earlier arrives late (and the newer one again): neither changes anything.
        var stored = await scoring.Db.HashGetAllAsync(ScoringKeys.SellerResponseStats("seller-pro"));
        await scoring.PublishAsync(
        [
            Stats("seller-pro", rate: 0.1, opened: 10, answered: 1, T0.AddDays(60.5)),
            Stats("seller-pro", rate: 0.95, opened: 20, answered: 19, T0.AddDays(61)),
        ]);
        await scoring.CaughtUpAsync();
        Assert.Equal(stored.OrderBy(e => e.Name.ToString()), (await scoring.Db.HashGetAllAsync(ScoringKeys.SellerResponseStats("seller-pro"))).OrderBy(e => e.Name.ToString()));
        Assert.Equal(0.95, (await scoring.SellerLevelAsync("seller-pro", "seller-pro", CallerRole.Seller)).Metrics.ResponseRate);
        var change = Assert.Single(await scoring.ScoringPayloadsAsync("seller-pro", SellerLevelChanged.Parser));
        Assert.Equal(SellerLevelKind.LevelOne, change.NewLevel);
    }

    [Fact]
    public async Task A_completion_whose_earnings_would_overflow_the_sellers_total_is_refused_before_any_write()
    {
        // Hole 11 (the attack): the seller's earnings sit near the int64 maximum and one more
        // completion would overflow them. Before the fix the completed-orders count went up and then
        // the earnings failed inside the unit of work: half applied.
        await using var scoring = await ScoringHarness.StartAsync();
        var order = Order("rich-1", "gig-rich", "seller-rich", 0);
        await scoring.Db.HashSetAsync(ScoringKeys.SellerTotals("seller-rich"), [new HashEntry("completed", 7), new HashEntry("earned_cents", long.MaxValue - 50)]);
        var events = order.Events();
        await scoring.PublishAsync(events.Take(1)); // placed
        await scoring.CaughtUpAsync();
        var before = Settled(await scoring.StateAsync());

        await scoring.PublishAsync(events.Skip(1)); // completed: 120 USD = 12,000 cents more
        await scoring.CaughtUpAsync();

        Assert.Equal(before, Settled(await scoring.StateAsync()));
        var entry = Assert.Single(await scoring.Db.StreamRangeAsync(Names.DeadLetterTopic(ScoringHarness.AppId)));
        string dead = (string?)entry["metadata"] ?? "";
        Assert.Contains("earnings", dead, StringComparison.Ordinal);
        Assert.Contains("rich-1", dead, StringComparison.Ordinal);
        Assert.Equal(7, (long)await scoring.Db.HashGetAsync(ScoringKeys.SellerTotals("seller-rich"), "completed"));
    }

    /// <summary>The state without the bus's own bookkeeping of the publishing itself (the harness publishes through Scoring's outbox).</summary>
    private static IReadOnlyList<string> Settled(IEnumerable<string> state) =>
        state.Where(l => !l.StartsWith(Names.OutboxKey(ScoringHarness.AppId), StringComparison.Ordinal)).ToList();

    private static (Google.Protobuf.IMessage, string) Stats(string seller, double rate, int opened, int answered, DateTimeOffset end) =>
        (new ResponseStatsChanged
        {
            Stats = new ResponseStats
            {
                SellerId = seller,
                BuyerOpenedConversations = opened,
                AnsweredWithinWindow = answered,
                ResponseRate = rate,
                WindowStart = Timestamp.FromDateTimeOffset(end.AddDays(-90)),
                WindowEnd = Timestamp.FromDateTimeOffset(end),
            },
        }, seller);
}
