using Grpc.Core;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring.Store;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// Levels and the low-performance flag through the service (SPEC 5.4, 5.5): evaluated at once
/// for a seller whose own events changed the score, published as events with old and new
/// values and the areas that hurt most, and visible as SPEC 5.6 says.
/// </summary>
public sealed class SellerEvaluationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TestReview Five = new(5, 5, 5, 5, true, 10, T0.AddDays(30));

    private static TestOrder Order(string id, string gig, string seller, int day, string buyer = "buyer-1", long cents = 12_000) =>
        new() { OrderId = id, GigId = gig, SellerId = seller, BuyerId = buyer, AmountCents = cents, CreatedAt = T0.AddDays(day), DeliveredAfter = TimeSpan.FromDays(5) };

    /// <summary>Three reasonable Gigs of other sellers, three orders each (their sellers stay below the flag's minimum of 5 orders).</summary>
    private static IEnumerable<TestOrder> Peers(long cents = 12_000) =>
        from g in Enumerable.Range(1, 3)
        from n in Enumerable.Range(1, 3)
        select Order($"peer{g}-{n}", $"peer{g}", $"peer-seller-{g}", n, cents: cents) with
        {
            DeliveredAfter = TimeSpan.FromDays(4 + g),
            Review = new TestReview(3 + (g % 3), 4, 4, 4, g != 2, 7, T0.AddDays(30)),
        };

    /// <summary>
    /// SPEC 5.5: "at once for a seller whose own events change the score". An evaluation reads every
    /// Gig of the seller with its ranking counts, the costliest work of an event, so an order placed
    /// on a Gig at its current price band (the score and the level totals stay as they were) does not
    /// start one; an order that moves the Gig to another band (another peer group: a new score) does,
    /// and so does an order's completion. The time of the last evaluation tells them apart.
    /// </summary>
    [Fact]
    public async Task Only_events_that_change_the_score_or_the_totals_re_evaluate_the_seller_at_once()
    {
        var clock = new FakeClock(T0.AddDays(60));
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        await scoring.DeliverAsync(Peers().Concat(Enumerable.Range(1, 3).Select(n => Order($"own-{n}", "own-gig", "seller-own", n) with { Review = Five })));
        async Task<DateTimeOffset> EvaluatedAtAsync() =>
            (await scoring.SellerLevelAsync("seller-own", "seller-own", CallerRole.Seller)).EvaluatedAt.ToDateTimeOffset();
        var first = await EvaluatedAtAsync();

        clock.Advance(TimeSpan.FromHours(1));
        var samePrice = Order("own-4", "own-gig", "seller-own", 40);
        await scoring.PublishAsync([samePrice.Events()[0]]);
        await scoring.CaughtUpAsync();
        Assert.Equal(first, await EvaluatedAtAsync());
        var score = await scoring.GigScoreAsync("own-gig", "seller-own");

        // A dearer order placed on a Gig with delivered work changes no price band until it is
        // delivered (GigRecord.TakePriceFrom): no score changed, no evaluation.
        clock.Advance(TimeSpan.FromHours(1));
        var dearer = Order("own-5", "own-gig", "seller-own", 41, cents: 30_000);
        await scoring.PublishAsync([dearer.Events()[0]]);
        await scoring.CaughtUpAsync();
        Assert.Equal(first, await EvaluatedAtAsync());
        Assert.Equal(score.PeerGroup, (await scoring.GigScoreAsync("own-gig", "seller-own")).PeerGroup);

        // The seller's first order of a new Gig gives it a score: the seller is re-evaluated at once.
        clock.Advance(TimeSpan.FromHours(1));
        await scoring.PublishAsync([Order("own-6", "own-gig-2", "seller-own", 42).Events()[0]]);
        await scoring.CaughtUpAsync();
        Assert.Equal(clock.GetUtcNow(), await EvaluatedAtAsync());

        clock.Advance(TimeSpan.FromHours(1));
        await scoring.PublishAsync([samePrice.Events()[1]]);
        await scoring.CaughtUpAsync();
        Assert.Equal(clock.GetUtcNow(), await EvaluatedAtAsync());
    }

    /// <summary>
    /// The same rule for conversations: one about an order whose outcome does not count yet changes
    /// no score and starts no evaluation; one that adds seller-unresponsive marks to a counted order
    /// lowers its Gig's communication area and re-evaluates the seller at once.
    /// </summary>
    [Fact]
    public async Task A_conversation_re_evaluates_the_seller_only_once_it_changes_a_counted_order()
    {
        var clock = new FakeClock(T0.AddDays(60));
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        var counted = Enumerable.Range(1, 3).Select(n => Order($"talk-{n}", "talk-gig", "seller-talk", n) with { Review = Five }).ToList();
        var open = Order("talk-open", "talk-gig", "seller-talk", 40) with { Completed = false };
        await scoring.DeliverAsync(Peers().Concat(counted).Append(open));
        async Task<DateTimeOffset> EvaluatedAtAsync() =>
            (await scoring.SellerLevelAsync("seller-talk", "seller-talk", CallerRole.Seller)).EvaluatedAt.ToDateTimeOffset();
        var first = await EvaluatedAtAsync();
        var before = await scoring.AggregateAsync("talk-gig");

        clock.Advance(TimeSpan.FromHours(1));
        var unresponsive = (SellerUnresponsive: 2, BuyerUnresponsive: 0, ResponseTotal: TimeSpan.FromHours(60), Replies: 1);
        await scoring.PublishAsync([(open with { Conversation = unresponsive }).Events()[^1]]);
        await scoring.CaughtUpAsync();
        Assert.Equal(first, await EvaluatedAtAsync());

        clock.Advance(TimeSpan.FromHours(1));
        await scoring.PublishAsync([(counted[0] with { Conversation = unresponsive }).Events()[^1]]);
        await scoring.CaughtUpAsync();
        Assert.Equal(clock.GetUtcNow(), await EvaluatedAtAsync());
        Assert.NotEqual(string.Join(",", before.ToHashEntries()), string.Join(",", (await scoring.AggregateAsync("talk-gig")).ToHashEntries()));
    }

    [Fact]
    public async Task The_flag_is_set_at_3_or_below_with_5_orders_and_cleared_only_at_4_or_above()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var bad = Enumerable.Range(1, 5).Select(n => Order($"low-{n}", "low-gig", "seller-low", n) with
        {
            DeliveredAfter = TimeSpan.FromDays(12),
            Disputes = 1,
            Review = new TestReview(1, 1, 1, 1, false, 0, T0.AddDays(30)),
        });
        await scoring.DeliverAsync(Peers().Concat(bad));

        var flagged = Assert.Single(await scoring.ScoringPayloadsAsync("seller-low", LowPerformanceChanged.Parser));
        Assert.False(flagged.OldFlagged);
        Assert.True(flagged.NewFlagged);
        Assert.Equal(1.0, flagged.SuccessScore);
        Assert.Equal(1, flagged.Version);
        Assert.NotEmpty(flagged.Reasons);
        Assert.All(flagged.Reasons, r => Assert.True(r.Impact < 0, $"{r.Area} is a reason but does not hurt"));
        Assert.Equal(flagged.Reasons.OrderBy(r => r.Impact).Select(r => r.Area), flagged.Reasons.Select(r => r.Area));
        Assert.True((await scoring.SellerScoreAsync("seller-low")).LowPerformance);
        Assert.Empty(await scoring.ScoringPayloadsAsync("peer-seller-1", LowPerformanceChanged.Parser));

        // A year of excellent work later the Gig is the best of its group: 10, the flag clears.
        var good = Enumerable.Range(1, 20).Select(n => Order($"low-good-{n}", "low-gig", "seller-low", 360 + n) with
        {
            Review = Five with { PublishedAt = T0.AddDays(390) },
        });
        await scoring.DeliverAsync(good);

        var changes = await scoring.ScoringPayloadsAsync("seller-low", LowPerformanceChanged.Parser);
        Assert.Equal(2, changes.Count);
        Assert.True(changes[1].OldFlagged);
        Assert.False(changes[1].NewFlagged);
        Assert.True(changes[1].SuccessScore >= 4.0);
        Assert.Equal(2, changes[1].Version);
        Assert.False((await scoring.SellerScoreAsync("seller-low")).LowPerformance);
    }

    [Fact]
    public async Task Level_one_needs_every_criterion_and_only_the_level_is_public()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        string[] buyers = ["buyer-1", "buyer-2", "buyer-3", "buyer-1", "buyer-2"];
        var pro = buyers.Select((b, n) => Order($"pro-{n}", "pro-gig", "seller-pro", n, b) with { Review = Five });
        // Same work, but only two clients: the success score alone is never enough (SPEC 5.4).
        var almost = buyers.Select((b, n) => Order($"almost-{n}", "almost-gig", "seller-almost", n, b == "buyer-3" ? "buyer-1" : b) with { Review = Five });
        await scoring.DeliverAsync(Peers().Concat(pro).Concat(almost));

        var promoted = Assert.Single(await scoring.ScoringPayloadsAsync("seller-pro", SellerLevelChanged.Parser));
        Assert.Equal(SellerLevelKind.NewSeller, promoted.OldLevel);
        Assert.Equal(SellerLevelKind.LevelOne, promoted.NewLevel);
        Assert.Empty(await scoring.ScoringPayloadsAsync("seller-almost", SellerLevelChanged.Parser));

        var asPublic = await scoring.SellerLevelAsync("seller-pro", "some-buyer", CallerRole.Buyer);
        Assert.Equal(SellerLevelKind.LevelOne, asPublic.Level);
        Assert.Null(asPublic.Metrics);
        Assert.Empty(asPublic.UnmetCriteria);

        var own = await scoring.SellerLevelAsync("seller-pro", "seller-pro", CallerRole.Seller);
        Assert.Equal(5, own.Metrics.CompletedOrders);
        Assert.Equal(3, own.Metrics.UniqueClients);
        Assert.Equal(5 * 12_000, own.Metrics.Earnings.AmountMinor);
        Assert.Equal(5.0, own.Metrics.Rating);
        // No response statistics from Messaging (no buyer-opened conversation): no rate, and the level
        // policy counts that as 100 % (Scoring:ResponseRateWithoutConversations).
        Assert.False(own.Metrics.HasResponseRate);
        Assert.True(own.Metrics.SuccessScore >= 7);
        Assert.Contains(own.UnmetCriteria, c => c.StartsWith("Level2 completed orders: 5", StringComparison.Ordinal));

        var almostLevel = await scoring.SellerLevelAsync("seller-almost", "support-1", CallerRole.Support);
        Assert.Equal(SellerLevelKind.NewSeller, almostLevel.Level);
        Assert.Equal(["Level1 unique clients: 2, needs ≥ 3"], almostLevel.UnmetCriteria);
    }

    [Fact]
    public async Task Top_rated_waits_for_support_s_approval()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var star = Enumerable.Range(0, 40).Select(n => Order($"star-{n}", "star-gig", "seller-star", n, $"buyer-{n % 20}", 30_000) with { Review = Five });
        await scoring.DeliverAsync(Peers(30_000).Concat(star));

        var level = await scoring.SellerLevelAsync("seller-star", "seller-star", CallerRole.Seller);
        Assert.Equal(SellerLevelKind.LevelTwo, level.Level);
        Assert.True(level.TopRatedPendingApproval);
        var before = await scoring.StateAsync();

        var notSupport = await Assert.ThrowsAsync<RpcException>(() => DecideAsync(scoring, "r-1", approve: true, CallerRole.Internal));
        Assert.Equal(StatusCode.PermissionDenied, notSupport.StatusCode);
        Assert.Equal(before, await scoring.StateAsync());

        var approved = await DecideAsync(scoring, "r-2", approve: true, CallerRole.Support);
        Assert.Equal(SellerLevelKind.TopRated, approved.Level);
        Assert.False(approved.TopRatedPendingApproval);
        Assert.Equal(approved, await DecideAsync(scoring, "r-2", approve: true, CallerRole.Support)); // same request: same answer

        // Issue 12, hole 6: the same request id for another decision is ALREADY_EXISTS and changes nothing.
        await scoring.CaughtUpAsync();
        var decided = await scoring.StateAsync();
        var reused = await Assert.ThrowsAsync<RpcException>(() => DecideAsync(scoring, "r-2", approve: false, CallerRole.Support));
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
        Assert.Contains("request_id 'r-2' was already used", reused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(decided, await scoring.StateAsync());

        var again = await Assert.ThrowsAsync<RpcException>(() => DecideAsync(scoring, "r-3", approve: true, CallerRole.Support));
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        Assert.Contains("not a Top Rated candidate", again.Status.Detail, StringComparison.Ordinal);

        await scoring.CaughtUpAsync();
        // As the orders arrive the seller may pass through Level 1; every change chains to the next,
        // and only support's approval makes Top Rated.
        var changes = await scoring.ScoringPayloadsAsync("seller-star", SellerLevelChanged.Parser);
        Assert.Equal(SellerLevelKind.NewSeller, changes[0].OldLevel);
        Assert.All(changes.Zip(changes.Skip(1)), p => Assert.Equal(p.First.NewLevel, p.Second.OldLevel));
        Assert.Equal((SellerLevelKind.LevelTwo, SellerLevelKind.TopRated), (changes[^1].OldLevel, changes[^1].NewLevel));
        Assert.DoesNotContain(changes.SkipLast(1), c => c.NewLevel == SellerLevelKind.TopRated);
        Assert.Equal(Enumerable.Range(1, changes.Count).Select(v => (long)v), changes.Select(c => c.Version));
    }

    /// <summary>
    /// Issue 15, finding 6: the same orders, applied in two orders, end at the same level whenever the on-event
    /// evaluations ran. Run A evaluates the seller after five five-star orders (Level 1 holds then) and before
    /// the one-star review arrives; in run B the one-star order comes first, so Level 1 never holds. On-event
    /// evaluations used to promote only, from the previous outcome, so run A stayed Level 1 and run B New Seller.
    /// </summary>
    [Fact]
    public async Task The_same_orders_in_another_order_end_at_the_same_level_whenever_the_seller_was_evaluated()
    {
        string[] buyers = ["buyer-1", "buyer-2", "buyer-3", "buyer-1", "buyer-2"];
        var good = buyers.Select((b, n) => Order($"path-{n}", "path-gig", "seller-path", n, b) with { Review = Five }).ToList();
        var oneStar = Order("path-low", "path-gig", "seller-path", 6, "buyer-4") with { Review = new TestReview(1, 1, 1, 1, false, 0, T0.AddDays(30)) };

        await using var first = await ScoringHarness.StartAsync();
        await first.DeliverAsync(Peers().Concat(good));
        Assert.Equal(SellerLevelKind.LevelOne, (await first.SellerLevelAsync("seller-path", "support-1", CallerRole.Support)).Level);
        await first.PublishAsync(oneStar.Events());
        await first.CaughtUpAsync();

        // Run B: the one-star order is handled before any five-star one (the bus orders events per entity
        // only, so publishing them in one batch would not guarantee that).
        await using var second = await ScoringHarness.StartAsync();
        await second.DeliverAsync(Peers().Append(oneStar));
        await second.DeliverAsync(good);

        var a = await first.SellerLevelAsync("seller-path", "support-1", CallerRole.Support);
        var b = await second.SellerLevelAsync("seller-path", "support-1", CallerRole.Support);
        Assert.Equal(SellerLevelKind.NewSeller, b.Level);
        Assert.Equal(b.Level, a.Level);
        Assert.Equal(b.Metrics.Rating, a.Metrics.Rating);
        Assert.Contains(a.UnmetCriteria, c => c.StartsWith("Level1 rating: 4.33", StringComparison.Ordinal));

        // Run A published the promotion and its withdrawal, chained by version; run B nothing.
        var changes = await first.ScoringPayloadsAsync("seller-path", SellerLevelChanged.Parser);
        Assert.Equal(
            [(SellerLevelKind.NewSeller, SellerLevelKind.LevelOne, 1L), (SellerLevelKind.LevelOne, SellerLevelKind.NewSeller, 2L)],
            changes.Select(c => (c.OldLevel, c.NewLevel, c.Version)));
        Assert.Empty(await second.ScoringPayloadsAsync("seller-path", SellerLevelChanged.Parser));
    }

    /// <summary>
    /// Issue 15, finding 6, the part an on-event evaluation cannot see: other sellers' orders move a seller's
    /// success score through the peer ranking without evaluating the seller (SPEC 5.5 evaluates at once on the
    /// seller's own events). Run A promotes the seller before three stronger Gigs join the group; run B has them
    /// first. The next daily evaluation evaluates every seller on one state from the level it confirmed, so both
    /// runs agree after it; it used to count the failure toward a demotion only, leaving run A at Level 1.
    /// </summary>
    [Fact]
    public async Task After_the_daily_evaluation_a_seller_is_at_the_same_level_whether_stronger_peers_came_before_or_after()
    {
        string[] buyers = ["buyer-1", "buyer-2", "buyer-3", "buyer-1", "buyer-2"];
        var seller = buyers.Select((b, n) => Order($"mid-{n}", "mid-gig", "seller-mid", n, b) with { Review = Five }).ToList();
        // The same work on ten orders each: less shrunk toward the group's mean, so ranked above the seller's Gig.
        var strong = (from g in Enumerable.Range(1, 3)
                      from n in Enumerable.Range(1, 10)
                      select Order($"strong{g}-{n}", $"strong{g}", $"strong-seller-{g}", n) with { Review = Five }).ToList();

        await using var first = await ScoringHarness.StartAsync();
        await first.DeliverAsync(Peers().Concat(seller));
        Assert.Equal(SellerLevelKind.LevelOne, (await first.SellerLevelAsync("seller-mid", "support-1", CallerRole.Support)).Level);
        await first.DeliverAsync(strong);
        var moved = await first.SellerLevelAsync("seller-mid", "support-1", CallerRole.Support);
        Assert.True(moved.Metrics.SuccessScore < 7, $"the stronger Gigs should take the seller's score below 7: {moved.Metrics.SuccessScore}");
        Assert.Equal(SellerLevelKind.LevelOne, moved.Level); // no own event: not evaluated yet

        await using var second = await ScoringHarness.StartAsync();
        await second.DeliverAsync(Peers().Concat(strong).Concat(seller));

        await first.RunEvaluationAsync();
        await second.RunEvaluationAsync();

        var a = await first.SellerLevelAsync("seller-mid", "support-1", CallerRole.Support);
        var b = await second.SellerLevelAsync("seller-mid", "support-1", CallerRole.Support);
        Assert.Equal(b.Metrics.SuccessScore, a.Metrics.SuccessScore);
        Assert.Equal(SellerLevelKind.NewSeller, b.Level);
        Assert.Equal(b.Level, a.Level);
    }

    [Fact]
    public async Task A_seller_whose_evaluation_keeps_failing_is_parked_and_the_others_are_evaluated()
    {
        var clock = new FakeClock(T0.AddDays(60));
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        // A stored record the evaluation cannot read: every evaluation of this seller fails.
        await scoring.Db.HashSetAsync(ScoringKeys.Seller("seller-broken"), [new HashEntry("level", "not-a-level")]);
        await scoring.PublishAsync(Peers()
            .Append(Order("broken-1", "broken-gig", "seller-broken", 1))
            .Append(Order("fine-1", "fine-gig", "seller-fine", 1))
            .SelectMany(o => o.Events()));

        // A failed seller is retried after a pause on the service's clock: move it on until the seller is parked.
        await Wait.UntilAsync(async () =>
        {
            clock.Advance(TimeSpan.FromMinutes(2));
            return await scoring.Db.HashExistsAsync(ScoringKeys.ParkedSellers, "seller-broken");
        }, "seller-broken is parked");
        await scoring.CaughtUpAsync();

        string why = (await scoring.Db.HashGetAsync(ScoringKeys.ParkedSellers, "seller-broken"))!;
        Assert.Contains("seller seller-broken field 'level' has a bad value 'not-a-level'", why, StringComparison.Ordinal);
        Assert.False(await scoring.Db.HashExistsAsync(ScoringKeys.DirtySellers, "seller-broken"));
        Assert.NotNull((await scoring.SellerLevelAsync("seller-fine", "seller-fine", CallerRole.Seller)).EvaluatedAt);
        Assert.NotNull((await scoring.SellerLevelAsync("peer-seller-1", "peer-seller-1", CallerRole.Seller)).EvaluatedAt);
        Assert.False(await scoring.Db.HashExistsAsync(ScoringKeys.ParkedSellers, "seller-fine"));
    }

    [Fact]
    public async Task The_daily_evaluation_parks_a_seller_it_cannot_evaluate_and_evaluates_every_other_one()
    {
        var clock = new FakeClock(T0.AddDays(60));
        await using var scoring = await ScoringHarness.StartAsync(clock: clock);
        await scoring.DeliverAsync(Peers()
            .Append(Order("broken-1", "broken-gig", "seller-broken", 1))
            .Append(Order("fine-1", "fine-gig", "seller-fine", 1)));
        // Evaluated once by their events; then a record the evaluation cannot read: every evaluation
        // of this seller fails, and the daily evaluation (its sellers in batches) must not stop there.
        await scoring.Db.HashSetAsync(ScoringKeys.Seller("seller-broken"), [new HashEntry("level", "not-a-level")]);
        clock.Advance(TimeSpan.FromDays(1));
        var evaluatedAt = clock.GetUtcNow();

        var summary = await scoring.RunEvaluationAsync();

        Assert.Equal(1, summary.SellersParked);
        Assert.Equal(4, summary.SellersEvaluated); // the three peer sellers and seller-fine
        string why = (await scoring.Db.HashGetAsync(ScoringKeys.ParkedSellers, "seller-broken"))!;
        Assert.Contains("daily evaluation", why, StringComparison.Ordinal);
        Assert.Contains("seller seller-broken field 'level' has a bad value 'not-a-level'", why, StringComparison.Ordinal);
        foreach (var seller in new[] { "seller-fine", "peer-seller-1", "peer-seller-2", "peer-seller-3" })
        {
            var level = await scoring.SellerLevelAsync(seller, seller, CallerRole.Seller);
            Assert.Equal(evaluatedAt, level.EvaluatedAt.ToDateTimeOffset());
            Assert.False(await scoring.Db.HashExistsAsync(ScoringKeys.ParkedSellers, seller));
        }
    }

    [Fact]
    public async Task Sellers_read_together_in_one_script_read_as_each_alone()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.DeliverAsync(Peers()
            .Concat(Enumerable.Range(1, 5).Select(n => Order($"two-{n}", n % 2 == 0 ? "two-a" : "two-b", "seller-two", n, buyer: $"buyer-{n}")))
            .Append(Order("fine-1", "fine-gig", "seller-fine", 1)));
        var reads = scoring.Host.Services.GetRequiredService<ScoreReads>();
        string[] sellers = ["peer-seller-1", "seller-two", "nobody", "seller-fine", "peer-seller-3"];
        var parts = ReadParts.Record | ReadParts.SellerGigs | ReadParts.Metrics;
        var now = T0.AddDays(60);

        var together = await reads.SellersAsync(sellers, parts);

        Assert.Equal(sellers.Length, together.Count);
        for (int i = 0; i < sellers.Length; i++)
        {
            var alone = await reads.SellerAsync(sellers[i], parts);
            Assert.Equal(Shape(alone), Shape(together[i]));
        }

        Assert.Null(together[2]);
        Assert.Equal(["two-a", "two-b"], together[1]!.Gigs.Select(g => g.Gig.GigId));

        string Shape(ScoringRead? read) => read is null ? "unknown" : string.Join("; ",
            read.SellerId,
            read.Record,
            string.Join(", ", read.Scored(scoring.Policy).Select(g => $"{g.Gig.GigId} {g.Group?.RedisKeySuffix} {g.GroupSize} {g.Score}")),
            read.LevelMetrics(now, scoring.Policy));
    }

    private static Task<SellerLevel> DecideAsync(ScoringHarness scoring, string requestId, bool approve, CallerRole role) =>
        scoring.Client.DecideTopRatedAsync(
            new DecideTopRatedRequest { RequestId = requestId, SellerId = "seller-star", Approve = approve, Note = "checked" },
            Authorization(ScoringHarness.Bearer("staff-1", role))).ResponseAsync;
}
