using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Platform.Tests.SimulatedClock.SimulatedPlatform;

namespace Marketplace.Platform.Tests.SimulatedClock;

/// <summary>
/// The time rules of Orders and Reviews (SPEC 2, 4) through the four running services on the
/// platform's simulated clock (docs/clock.md): auto-completion 3 days after delivery, a seller's
/// extension auto-accepted after 48 h, the 14-day review window closing and publishing the
/// buyer's review, and the 5-day window of a cancelled order. Time passes only through the
/// driver, so each test checks the exact moment a rule fires, one tick before and at it, and
/// that timers skipped over by one long advance fire in order, each at its own time, once.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class OrderAndReviewTimeRulesTests(RedisFixture redis)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task A_delivered_order_completes_automatically_3_days_after_delivery_and_not_a_tick_before()
    {
        await using var platform = await StartAsync(redis);
        var order = await platform.RunningOrderAsync("buyer-ac", "seller-ac", "gig-ac", TimeSpan.FromDays(5));
        var delivered = await platform.DeliverAsync(order);
        Assert.Equal(Start, delivered.LastDeliveredAt.ToDateTimeOffset());
        Assert.Equal(Day(3), delivered.AutoCompleteAt.ToDateTimeOffset());

        await platform.Clock.AdvanceToAsync(Day(3) - Tick);
        Assert.Equal(OrderState.Delivered, (await platform.GetOrderAsync(order)).State);

        await platform.Clock.AdvanceAsync(Tick);
        var completed = await platform.GetOrderAsync(order);
        Assert.Equal(OrderState.Completed, completed.State);
        Assert.True(completed.AutoCompleted);
        Assert.Equal(Day(3), completed.CompletedAt.ToDateTimeOffset());
        platform.AssertEveryServiceReads(Day(3));

        // Reviews opened the window as of the completion, not as of when it heard of it.
        var opened = Assert.Single(await platform.EventsAsync(ReviewWindowOpened.Descriptor, ReviewWindowOpened.Parser));
        Assert.Equal(Day(3), opened.Payload.OpensAt.ToDateTimeOffset());
        Assert.Equal(Day(3 + 14), opened.Payload.EndsAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task Timers_skipped_by_one_long_advance_fire_in_order_each_at_its_own_time_and_once()
    {
        await using var platform = await StartAsync(redis);
        var first = await platform.DeliverAsync(await platform.RunningOrderAsync("buyer-s1", "seller-s1", "gig-s1", TimeSpan.FromDays(5)));
        await platform.Clock.AdvanceAsync(TimeSpan.FromHours(1));
        var second = await platform.DeliverAsync(await platform.RunningOrderAsync("buyer-s2", "seller-s2", "gig-s2", TimeSpan.FromDays(5)));

        // One call moves the clock 20 days: two auto-completions (days 3 and 3 + 1 h), then two
        // 14-day review windows opened by them end (days 17 and 17 + 1 h).
        var advance = await platform.Clock.AdvanceAsync(TimeSpan.FromDays(20));
        Assert.Equal(Start + TimeSpan.FromHours(1) + TimeSpan.FromDays(20), advance.Now);
        Assert.True(advance.Steps >= 4, $"the clock stopped {advance.Steps} times; it must stop at each of the four due times");
        platform.AssertEveryServiceReads(advance.Now);

        var completions = await platform.EventsAsync(OrderCompleted.Descriptor, OrderCompleted.Parser);
        Assert.Equal([first.OrderId, second.OrderId], completions.Select(c => c.Subject));
        Assert.All(completions, c => Assert.True(c.Payload.Automatically));
        Assert.Equal([Day(3), Day(3) + TimeSpan.FromHours(1)], completions.Select(c => c.Payload.Order.CompletedAt.ToDateTimeOffset()));
        Assert.Equal(completions.Select(c => c.Payload.Order.CompletedAt.ToDateTimeOffset()), completions.Select(c => c.Time));

        var closed = await platform.EventsAsync(ReviewWindowClosed.Descriptor, ReviewWindowClosed.Parser);
        Assert.Equal([first.OrderId, second.OrderId], closed.Select(c => c.Subject));
        Assert.All(closed, c => Assert.Equal(ReviewWindowCloseReason.Ended, c.Payload.Reason));
        Assert.Equal([Day(17), Day(17) + TimeSpan.FromHours(1)], closed.Select(c => c.Payload.ClosedAt.ToDateTimeOffset()));
    }

    [Fact]
    public async Task With_a_granularity_the_clock_stops_only_on_its_multiples_and_due_items_fire_at_the_first_one()
    {
        await using var platform = await StartAsync(redis);
        var first = await platform.DeliverAsync(await platform.RunningOrderAsync("buyer-g1", "seller-g1", "gig-g1", TimeSpan.FromDays(5)));
        await platform.Clock.AdvanceAsync(TimeSpan.FromHours(1));
        var second = await platform.DeliverAsync(await platform.RunningOrderAsync("buyer-g2", "seller-g2", "gig-g2", TimeSpan.FromDays(5)));

        // Due at day 3 09:00 and 10:00: with a granularity of a day both complete at the next midnight.
        var advance = await platform.Clock.AdvanceAsync(TimeSpan.FromDays(5), granularity: TimeSpan.FromDays(1));
        var midnight = new DateTimeOffset(Day(3).UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        var completions = await platform.EventsAsync(OrderCompleted.Descriptor, OrderCompleted.Parser);
        Assert.Equal(new[] { first.OrderId, second.OrderId }.Order(StringComparer.Ordinal), completions.Select(c => c.Subject).Order(StringComparer.Ordinal));
        Assert.All(completions, c => Assert.Equal(midnight, c.Payload.Order.CompletedAt.ToDateTimeOffset()));
        Assert.True(advance.Steps <= 6, $"{advance.Steps} stops; at most one per day and the end");
    }

    [Fact]
    public async Task A_seller_s_extension_is_accepted_automatically_after_48_hours()
    {
        await using var platform = await StartAsync(redis);
        var order = await platform.RunningOrderAsync("buyer-ext", "seller-ext", "gig-ext", TimeSpan.FromDays(5));
        var asked = await platform.Orders.OpenResolutionAsync(new OpenResolutionRequest
        {
            RequestId = "extend",
            OrderId = order.OrderId,
            Kind = ResolutionKind.Extension,
            ExtendBy = Duration.FromTimeSpan(TimeSpan.FromDays(2)),
            Message = "The client asked for two more concepts.",
        }, Seller("seller-ext"));
        var request = Assert.Single(asked.Resolutions);
        Assert.Equal(Day(2), request.AutoAcceptAt.ToDateTimeOffset());

        await platform.Clock.AdvanceToAsync(Day(2) - Tick);
        var waiting = await platform.GetOrderAsync(order);
        Assert.Equal(ResolutionStatus.Open, Assert.Single(waiting.Resolutions).Status);
        Assert.Equal(Day(5), waiting.DueAt.ToDateTimeOffset());

        await platform.Clock.AdvanceAsync(Tick);
        var extended = await platform.GetOrderAsync(order);
        var accepted = Assert.Single(extended.Resolutions);
        Assert.Equal(ResolutionStatus.Accepted, accepted.Status);
        Assert.Equal(Day(2), accepted.AnsweredAt.ToDateTimeOffset());
        Assert.Equal(Day(7), extended.DueAt.ToDateTimeOffset());
        Assert.Equal(1, extended.ExtensionCount);
        var published = Assert.Single(await platform.EventsAsync(ResolutionAccepted.Descriptor, ResolutionAccepted.Parser));
        Assert.True(published.Payload.Automatically);
        Assert.Equal(Day(2), published.Time);
    }

    [Fact]
    public async Task A_buyer_s_review_is_published_when_the_14_day_window_ends_without_the_seller_s()
    {
        await using var platform = await StartAsync(redis);
        var order = await platform.DeliverAsync(await platform.RunningOrderAsync("buyer-pub", "seller-pub", "gig-pub", TimeSpan.FromDays(5)));
        await platform.Orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = "accept", OrderId = order.OrderId }, Buyer("buyer-pub"));
        await platform.Clock.AdvanceAsync(TimeSpan.FromDays(1));
        var review = await platform.Reviews.SubmitBuyerReviewAsync(new SubmitBuyerReviewRequest
        {
            RequestId = "review",
            OrderId = order.OrderId,
            Ratings = new BuyerRatings { Overall = 5, Communication = 5, Quality = 5, ValueForMoney = 4, WouldRecommend = true, PrivateRating = 9 },
            Text = "Clean logo, fast and friendly.",
        }, Buyer("buyer-pub"));
        Assert.Equal(Day(14), review.WindowEndsAt.ToDateTimeOffset());

        await platform.Clock.AdvanceToAsync(Day(14) - Tick);
        Assert.Empty((await platform.Reviews.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = "gig-pub" }, Buyer("someone"))).Reviews);

        await platform.Clock.AdvanceAsync(Tick);
        var shown = Assert.Single((await platform.Reviews.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = "gig-pub" }, Buyer("someone"))).Reviews);
        Assert.Equal(Day(14), shown.PublishedAt.ToDateTimeOffset());
        var published = Assert.Single(await platform.EventsAsync(ReviewPublished.Descriptor, ReviewPublished.Parser));
        Assert.True(published.Payload.BecauseWindowEnded);
        Assert.Equal(Day(14), published.Time);
    }

    [Fact]
    public async Task A_cancelled_order_can_be_reviewed_for_5_days_from_the_cancellation()
    {
        await using var platform = await StartAsync(redis);

        // The buyer's first order completes (so the buyer is no first-timer); the second is delivered, then cancelled by support.
        var earlier = await platform.DeliverAsync(await platform.RunningOrderAsync("buyer-cx", "seller-cx", "gig-cx", TimeSpan.FromDays(5)));
        await platform.Orders.AcceptDeliveryAsync(new AcceptDeliveryRequest { RequestId = "accept-earlier", OrderId = earlier.OrderId }, Buyer("buyer-cx"));
        var order = await platform.DeliverAsync(await platform.RunningOrderAsync("buyer-cx", "seller-cx", "gig-cx", TimeSpan.FromDays(5)));
        await platform.Clock.AdvanceAsync(TimeSpan.FromDays(1));
        var cancelled = await platform.Orders.CancelOrderAsync(new CancelOrderRequest
        {
            RequestId = "cancel", OrderId = order.OrderId, Reason = CancellationReason.NotAsDescribed, Note = "not what was ordered",
        }, Support);
        Assert.Equal(OrderState.Cancelled, cancelled.State);
        await platform.Clock.SettleAsync();

        var eligibility = await platform.Reviews.GetCancelledOrderReviewEligibilityAsync(
            new GetCancelledOrderReviewEligibilityRequest { OrderId = order.OrderId }, Buyer("buyer-cx"));
        Assert.True(eligibility.Eligible, eligibility.Explanation);
        Assert.Equal(Day(1 + 5), eligibility.WindowEndsAt.ToDateTimeOffset());

        // Open through its end (a review at that moment counts), closed from the next tick.
        await platform.Clock.AdvanceToAsync(Day(6));
        Assert.DoesNotContain(await platform.EventsAsync(ReviewWindowClosed.Descriptor, ReviewWindowClosed.Parser), c => c.Subject == order.OrderId);

        await platform.Clock.AdvanceAsync(Tick);
        var closed = Assert.Single(await platform.EventsAsync(ReviewWindowClosed.Descriptor, ReviewWindowClosed.Parser), c => c.Subject == order.OrderId);
        Assert.Equal(ReviewWindowCloseReason.Ended, closed.Payload.Reason);
        Assert.Equal(Day(6), closed.Payload.ClosedAt.ToDateTimeOffset());
        var late = await Assert.ThrowsAsync<RpcException>(() => platform.Reviews.SubmitBuyerReviewAsync(new SubmitBuyerReviewRequest
        {
            RequestId = "late-review",
            OrderId = order.OrderId,
            Ratings = new BuyerRatings { Overall = 2, Communication = 2, Quality = 2, ValueForMoney = 2, WouldRecommend = false, PrivateRating = 2 },
            Text = "Not what I ordered at all.",
        }, Buyer("buyer-cx")).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
        Assert.Contains("window", late.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }
}
