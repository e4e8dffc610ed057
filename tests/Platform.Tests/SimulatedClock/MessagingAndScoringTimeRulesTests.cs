using System.Globalization;
using Grpc.Core;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Messaging.Store;
using Marketplace.Scoring.Store;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Platform.Tests.SimulatedClock.SimulatedPlatform;

namespace Marketplace.Platform.Tests.SimulatedClock;

/// <summary>
/// The time rules of Messaging and Scoring (SPEC 3, 5.4) through the four running services on
/// the platform's simulated clock (docs/clock.md): a silent buyer marked after 24 h (and the
/// seller's buyer-unresponsive claim accepted only then), the daily evaluation running each
/// simulated day, demotion only at the second failing daily evaluation, and a rejected Top
/// Rated candidate proposed again after six months and not a day before. The level thresholds
/// are lowered (settings) so two orders make a Top Rated candidate; the rules are the service's.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class MessagingAndScoringTimeRulesTests(RedisFixture redis)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    /// <summary>Levels any seller with a 4.0 rating reaches: Level 1 with one order, Level 2 and Top Rated with two.</summary>
    private static readonly Dictionary<string, string?> LowLevels = Levels();

    [Fact]
    public async Task A_buyer_silent_for_24_hours_is_marked_then_and_only_then_may_the_seller_cancel_for_it()
    {
        await using var platform = await StartAsync(redis);
        var order = await platform.Orders.PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = "place",
            GigId = "gig-silent",
            SellerId = "seller-silent",
            Category = "logo-design",
            Amount = new Contracts.Common.V1.Money { CurrencyCode = "USD", AmountMinor = 5_000 },
            DueAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Day(5)),
        }, Buyer("buyer-silent"));
        await platform.Clock.SettleAsync(); // Messaging has heard of the order
        await platform.Clock.AdvanceAsync(TimeSpan.FromHours(2));
        var asked = await platform.Messaging.StartConversationAsync(new StartConversationRequest
        {
            RequestId = "ask", OrderId = order.OrderId, CounterpartId = "buyer-silent", Text = "Please send your brand colours.", NeedsBuyerInput = true,
        }, Seller("seller-silent"));

        await platform.Clock.AdvanceToAsync(Day(1) + TimeSpan.FromHours(2) - Tick);
        Assert.Empty(await platform.EventsAsync(BuyerUnresponsiveMarked.Descriptor, BuyerUnresponsiveMarked.Parser));
        var refused = await Assert.ThrowsAsync<RpcException>(() => CancelForSilenceAsync(platform, order, "cancel-early"));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);

        await platform.Clock.AdvanceAsync(Tick);
        var marked = Assert.Single(await platform.EventsAsync(BuyerUnresponsiveMarked.Descriptor, BuyerUnresponsiveMarked.Parser));
        Assert.Equal(asked.ConversationId, marked.Subject);
        Assert.Equal(Day(1) + TimeSpan.FromHours(2), marked.Payload.MarkedAt.ToDateTimeOffset());
        Assert.Equal(1, (await platform.GetOrderAsync(order)).BuyerUnresponsiveMarks);

        var cancelled = await CancelForSilenceAsync(platform, order, "cancel");
        Assert.Equal(OrderState.Cancelled, cancelled.State);
        Assert.True(cancelled.Cancellation.BuyerUnresponsive);
        Assert.Equal(Day(1) + TimeSpan.FromHours(2), cancelled.Cancellation.CancelledAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task The_daily_evaluation_runs_each_simulated_day_and_a_level_drops_only_at_the_second_failing_one()
    {
        await using var platform = await StartAsync(redis, LowLevels);
        await CompletedAndReviewedAsync(platform, "seller-dem", "buyer-dem-1", overall: 5);
        Assert.Equal(SellerLevelKind.LevelOne, (await LevelAsync(platform, "seller-dem")).Level);
        await CompletedAndReviewedAsync(platform, "seller-dem", "buyer-dem-2", overall: 5);
        Assert.Equal(SellerLevelKind.LevelTwo, (await LevelAsync(platform, "seller-dem")).Level);

        // Day 1: the first daily evaluation confirms Level 2 (an on-demand promotion holds only
        // while the facts support it until a daily evaluation confirms it: docs/scoring.md).
        await platform.Clock.AdvanceToAsync(Day(1));
        var confirmed = await LevelAsync(platform, "seller-dem");
        Assert.Equal(SellerLevelKind.LevelTwo, confirmed.Level);
        Assert.Equal(Day(1), confirmed.EvaluatedAt.ToDateTimeOffset());
        Assert.Equal(Day(1), await LastEvaluationAsync(platform));

        // A third order's 1-star review brings the rating below the 4.0 of every level: the
        // on-demand evaluation does not go below the confirmed level.
        await CompletedAndReviewedAsync(platform, "seller-dem", "buyer-dem-3", overall: 1);
        var afterBadReview = await LevelAsync(platform, "seller-dem");
        Assert.Equal(SellerLevelKind.LevelTwo, afterBadReview.Level);
        Assert.True(afterBadReview.Metrics.Rating < 4.0, $"rating {afterBadReview.Metrics.Rating}");

        // Day 2: the first failing daily evaluation keeps the level.
        await platform.Clock.AdvanceToAsync(Day(2));
        var firstFailing = await LevelAsync(platform, "seller-dem");
        Assert.Equal(SellerLevelKind.LevelTwo, firstFailing.Level);
        Assert.Equal(Day(2), firstFailing.EvaluatedAt.ToDateTimeOffset());

        // Day 3: the second failing daily evaluation demotes, at that evaluation's time.
        await platform.Clock.AdvanceToAsync(Day(3) - Tick);
        Assert.Equal(SellerLevelKind.LevelTwo, (await LevelAsync(platform, "seller-dem")).Level);
        await platform.Clock.AdvanceAsync(Tick);
        var demoted = await LevelAsync(platform, "seller-dem");
        Assert.Equal(SellerLevelKind.NewSeller, demoted.Level);
        Assert.Equal(Day(3), demoted.EvaluatedAt.ToDateTimeOffset());
        var change = (await platform.EventsAsync(SellerLevelChanged.Descriptor, SellerLevelChanged.Parser)).Last(c => c.Subject == "seller-dem");
        Assert.Equal((SellerLevelKind.LevelTwo, SellerLevelKind.NewSeller), (change.Payload.OldLevel, change.Payload.NewLevel));
        Assert.Equal(Day(3), change.Payload.ChangedAt.ToDateTimeOffset());

        // One advance over five days runs five evaluations, one at each day's due time.
        await platform.Clock.AdvanceAsync(TimeSpan.FromDays(5));
        Assert.Equal(Day(8), await LastEvaluationAsync(platform));
        Assert.Equal(Day(8), (await LevelAsync(platform, "seller-dem")).EvaluatedAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task A_rejected_Top_Rated_candidate_is_proposed_again_six_months_after_the_rejection_and_not_a_day_before()
    {
        await using var platform = await StartAsync(redis, LowLevels);
        await CompletedAndReviewedAsync(platform, "seller-star", "buyer-star-1", overall: 5);
        await CompletedAndReviewedAsync(platform, "seller-star", "buyer-star-2", overall: 5);
        var candidate = await LevelAsync(platform, "seller-star");
        Assert.Equal(SellerLevelKind.LevelTwo, candidate.Level);
        Assert.True(candidate.TopRatedPendingApproval);

        var rejected = await platform.Scoring.DecideTopRatedAsync(
            new DecideTopRatedRequest { RequestId = "reject", SellerId = "seller-star", Approve = false, Note = "not yet" }, Support);
        Assert.False(rejected.TopRatedPendingApproval);

        // Daily evaluations for six months keep the seller at Level 2 and do not propose them again ...
        var retryFrom = Start.AddMonths(6);
        await platform.Clock.AdvanceToAsync(retryFrom - TimeSpan.FromDays(1));
        var dayBefore = await LevelAsync(platform, "seller-star");
        Assert.Equal(SellerLevelKind.LevelTwo, dayBefore.Level);
        Assert.False(dayBefore.TopRatedPendingApproval);
        Assert.Equal(retryFrom - TimeSpan.FromDays(1), dayBefore.EvaluatedAt.ToDateTimeOffset());

        // ... until the evaluation six months after the rejection.
        await platform.Clock.AdvanceToAsync(retryFrom);
        var again = await LevelAsync(platform, "seller-star");
        Assert.True(again.TopRatedPendingApproval);
        Assert.Equal(SellerLevelKind.LevelTwo, again.Level);
        Assert.Equal(retryFrom, again.EvaluatedAt.ToDateTimeOffset());
    }

    /// <summary>An order of <paramref name="buyer"/> completed now, reviewed by both parties, so the buyer's review is public at once.</summary>
    private static async Task CompletedAndReviewedAsync(SimulatedPlatform platform, string seller, string buyer, int overall)
    {
        var order = await platform.DeliverAsync(await platform.RunningOrderAsync(buyer, seller, "gig-" + seller, TimeSpan.FromDays(5), cents: 20_000));
        await platform.Orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = "accept-" + order.OrderId, OrderId = order.OrderId }, Buyer(buyer));
        await platform.Clock.SettleAsync(); // Reviews has opened the window
        await platform.Reviews.SubmitBuyerReviewAsync(new SubmitBuyerReviewRequest
        {
            RequestId = "review-" + order.OrderId,
            OrderId = order.OrderId,
            Ratings = new BuyerRatings { Overall = overall, Communication = overall, Quality = overall, ValueForMoney = overall, WouldRecommend = overall >= 4, PrivateRating = overall * 2 },
            Text = overall >= 4 ? "Great work, on time." : "Poor work, not as agreed.",
        }, Buyer(buyer));
        await platform.Reviews.SubmitSellerReviewAsync(new SubmitSellerReviewRequest
        {
            RequestId = "seller-review-" + order.OrderId, OrderId = order.OrderId, Rating = 5, Text = "Clear brief, quick answers.",
        }, Seller(seller));
        await platform.Clock.SettleAsync(); // published, scored, the seller evaluated
    }

    private static Task<SellerLevel> LevelAsync(SimulatedPlatform platform, string seller) =>
        platform.Scoring.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = seller }, Support).ResponseAsync;

    private static async Task<DateTimeOffset> LastEvaluationAsync(SimulatedPlatform platform) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)await platform.Db.HashGetAsync(ScoringKeys.Evaluation, "last_run"));

    private static Task<Order> CancelForSilenceAsync(SimulatedPlatform platform, Order order, string request) =>
        platform.Orders.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = request, OrderId = order.OrderId, Reason = CancellationReason.BuyerUnresponsive, Note = "no colours after a day",
        }, Seller(order.SellerId)).ResponseAsync;

    private static Dictionary<string, string?> Levels()
    {
        var settings = new Dictionary<string, string?> { ["Scoring:MinScoredOrders"] = "1" };
        foreach (var (level, orders) in new[] { ("Level1", 1), ("Level2", 2), ("TopRated", 2) })
        {
            settings[$"Scoring:{level}:MinSuccessScore"] = "1";
            settings[$"Scoring:{level}:MinRating"] = "4";
            settings[$"Scoring:{level}:MinResponseRate"] = "0";
            settings[$"Scoring:{level}:MinCompletedOrders"] = orders.ToString(CultureInfo.InvariantCulture);
            settings[$"Scoring:{level}:MinUniqueClients"] = "1";
            settings[$"Scoring:{level}:MinEarningsUsd"] = "0";
        }

        return settings;
    }
}
