using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Background;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;
using static Marketplace.Platform.PlatformEvents;
using static Marketplace.Reviews.Tests.Service.Steps;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>
/// Issue 12, hole 9: Reviews is the one source of an order's buyer review window. It publishes
/// <c>reviews.review_window_opened.v1</c> when the window opens (completion, with the category's
/// window; an eligible cancelled order) and <c>reviews.review_window_closed.v1</c> when it closes
/// (the buyer reviewed, support revoked, the time ran out), once per window, whatever order,
/// repetition or lateness the order events come in.
/// </summary>
[Collection(ReviewsServiceCollection.Name)]
public sealed class ReviewWindowEventTests(ReviewsServiceFixture fx)
{
    [Fact]
    public async Task Completion_opens_the_window_once_with_the_categorys_length()
    {
        var ids = OrderEvents.NewIds();
        var completed = OrderEvents.Completed(OrderEvents.Placed(ids.Order, ids.Gig, ids.Buyer, ids.Seller, ReviewsServiceFixture.LongWindowCategory));

        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        // The same event again, an older snapshot late, and a newer snapshot of the finished order.
        await fx.HandledAsync(new OrderCompleted { Order = completed }, ids.Order);
        await fx.HandledAsync(new OrderPlaced { Order = OrderEvents.Placed(ids.Order, ids.Gig, ids.Buyer, ids.Seller) }, ids.Order);
        var touched = OrderEvents.Touched(completed);
        await fx.DeliverAsync(new OrderCompleted { Order = touched }, touched);

        var opened = ReviewWindowOpened.Parser.ParseJson(Assert.Single(await WindowEventsAsync(ids.Order, 1)).Data);
        Assert.Equal(ids.Order, opened.OrderId);
        Assert.Equal(ids.Gig, opened.GigId);
        Assert.Equal(ids.Seller, opened.SellerId);
        Assert.Equal(ids.Buyer, opened.BuyerId);
        Assert.Equal(ReviewedOrderOutcome.Completed, opened.OrderOutcome);
        Assert.Equal(completed.CompletedAt, opened.OpensAt);
        Assert.Equal(completed.CompletedAt.ToDateTimeOffset().AddDays(30), opened.EndsAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task The_buyers_review_closes_the_window_in_the_same_commit_and_says_so_once()
    {
        var o = await fx.CompletedOrderAsync();
        await WindowEventsAsync(o.Order, 1);

        await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), BuyerOf(o));
        await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), BuyerOf(o));
        await fx.Client.SubmitSellerReviewAsync(SellerReview(o.Order), SellerOf(o));

        var events = await fx.EventsAsync(o.Order, 5);
        Assert.Equal(
            [TypeOf(ReviewWindowOpened.Descriptor), TypeOf(BuyerReviewSubmitted.Descriptor), TypeOf(ReviewWindowClosed.Descriptor),
                TypeOf(SellerReviewSubmitted.Descriptor), TypeOf(ReviewPublished.Descriptor)],
            events.Select(e => e.Type));
        var closed = ReviewWindowClosed.Parser.ParseJson(events[2].Data);
        Assert.Equal(ReviewWindowCloseReason.Reviewed, closed.Reason);
        Assert.Equal(o.Seller, closed.SellerId);
        Assert.Equal(BuyerReviewSubmitted.Parser.ParseJson(events[1].Data).Review.SubmittedAt, closed.ClosedAt);
    }

    [Fact]
    public async Task An_eligible_cancelled_order_opens_a_5_day_window_that_support_can_close()
    {
        var earlier = await fx.CompletedOrderAsync(ago: TimeSpan.FromDays(2));
        var ids = OrderEvents.NewIds();
        var cancelled = OrderEvents.CancelledLate(OrderEvents.Placed(ids.Order, ids.Gig, earlier.Buyer, ids.Seller));
        await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);

        var opened = ReviewWindowOpened.Parser.ParseJson(Assert.Single(await WindowEventsAsync(ids.Order, 1)).Data);
        Assert.Equal(ReviewedOrderOutcome.Cancelled, opened.OrderOutcome);
        Assert.Equal(cancelled.Cancellation.CancelledAt, opened.OpensAt);
        Assert.Equal(cancelled.Cancellation.CancelledAt.ToDateTimeOffset().AddDays(5), opened.EndsAt.ToDateTimeOffset());

        await fx.Client.RevokeReviewEligibilityAsync(new RevokeReviewEligibilityRequest { RequestId = "v-" + ids.Order, OrderId = ids.Order, Reason = "threats" }, Support);

        var events = await WindowEventsAsync(ids.Order, 2);
        var closed = ReviewWindowClosed.Parser.ParseJson(events[1].Data);
        Assert.Equal(ReviewWindowCloseReason.Revoked, closed.Reason);
        Assert.Equal(ids.Seller, closed.SellerId);
    }

    [Fact]
    public async Task A_cancelled_order_that_is_not_eligible_opens_no_window()
    {
        // A first-time buyer's order, and an order cancelled in time with nothing wrong.
        var firstTimer = OrderEvents.NewIds();
        var late = OrderEvents.CancelledLate(OrderEvents.Placed(firstTimer.Order, firstTimer.Gig, firstTimer.Buyer, firstTimer.Seller));
        var earlier = await fx.CompletedOrderAsync(ago: TimeSpan.FromDays(2));
        var onTime = OrderEvents.NewIds();
        var inTime = OrderEvents.CancelledOnTime(OrderEvents.Placed(onTime.Order, onTime.Gig, earlier.Buyer, onTime.Seller));

        await fx.DeliverAsync(new OrderCancelled { Order = late }, late);
        await fx.DeliverAsync(new OrderCancelled { Order = inTime }, inTime);

        await fx.RelayedAsync();
        Assert.Empty(await fx.ReviewEventsAsync(firstTimer.Order));
        Assert.Empty(await fx.ReviewEventsAsync(onTime.Order));
    }

    [Fact]
    public async Task A_late_seller_unresponsive_mark_opens_the_window_of_a_cancelled_order_once()
    {
        var earlier = await fx.CompletedOrderAsync(ago: TimeSpan.FromDays(2));
        var ids = OrderEvents.NewIds();
        var cancelled = OrderEvents.CancelledOnTime(OrderEvents.Placed(ids.Order, ids.Gig, earlier.Buyer, ids.Seller));
        await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
        // The buyer's question came two days before the cancellation, and stayed unanswered.
        var mark = Mark(ids, earlier.Buyer, askedAt: cancelled.Cancellation.CancelledAt.ToDateTimeOffset().AddDays(-2));

        await fx.HandledAsync(mark, "c-" + ids.Order);
        await fx.HandledAsync(mark, "c-" + ids.Order);

        var opened = ReviewWindowOpened.Parser.ParseJson(Assert.Single(await WindowEventsAsync(ids.Order, 1)).Data);
        Assert.Equal(cancelled.Cancellation.CancelledAt.ToDateTimeOffset().AddDays(5), opened.EndsAt.ToDateTimeOffset());
    }

    /// <summary>
    /// The attack: an order cancelled in time, with nothing wrong, is not reviewable; the buyer then
    /// writes on its conversation, the seller does not answer within 24 h, and Messaging marks the
    /// seller unresponsive. A question asked after the cancellation is no problem of the order (SPEC 4):
    /// no window opens, whether the mark reaches Reviews after the cancellation or before it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_question_asked_after_the_cancellation_does_not_make_the_order_reviewable(bool markFirst)
    {
        var earlier = await fx.CompletedOrderAsync(ago: TimeSpan.FromDays(2));
        var ids = OrderEvents.NewIds();
        var cancelled = OrderEvents.CancelledOnTime(OrderEvents.Placed(ids.Order, ids.Gig, earlier.Buyer, ids.Seller));
        var cancelledAt = cancelled.Cancellation.CancelledAt.ToDateTimeOffset();
        var afterwards = Mark(ids, earlier.Buyer, askedAt: cancelledAt.AddMinutes(5));

        if (markFirst)
        {
            await fx.HandledAsync(afterwards, "c-" + ids.Order);
            await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
        }
        else
        {
            await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
            await fx.HandledAsync(afterwards, "c-" + ids.Order);
        }

        await fx.RelayedAsync();
        Assert.Empty(await fx.ReviewEventsAsync(ids.Order));
        var answer = await fx.Client.GetCancelledOrderReviewEligibilityAsync(new GetCancelledOrderReviewEligibilityRequest { OrderId = ids.Order }, Support);
        Assert.False(answer.Eligible);
        Assert.Equal(EligibilityRule.NoQualifyingProblem, answer.FailedRule);

        // A second mark, for a question asked before the cancellation, still counts: the earliest question is kept.
        await fx.HandledAsync(Mark(ids, earlier.Buyer, askedAt: cancelledAt.AddDays(-1)), "c-" + ids.Order);
        Assert.Equal(ReviewedOrderOutcome.Cancelled, ReviewWindowOpened.Parser.ParseJson(Assert.Single(await WindowEventsAsync(ids.Order, 1)).Data).OrderOutcome);
    }

    private static SellerUnresponsiveMarked Mark((string Order, string Gig, string Buyer, string Seller) ids, string buyerId, DateTimeOffset askedAt) => new()
    {
        Conversation = new Conversation { ConversationId = "c-" + ids.Order, OrderId = ids.Order, BuyerId = buyerId, SellerId = ids.Seller, Version = 3 },
        QuestionSentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(askedAt),
        MarkedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(askedAt.AddHours(24)),
    };

    [Fact]
    public async Task An_earlier_completion_arriving_after_the_cancellation_opens_the_cancelled_orders_window()
    {
        var buyer = OrderEvents.NewIds().Buyer;
        var ids = OrderEvents.NewIds();
        var cancelled = OrderEvents.CancelledLate(OrderEvents.Placed(ids.Order, ids.Gig, buyer, ids.Seller));
        await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
        Assert.Equal(EligibilityRule.FirstTimeBuyer, (await fx.Client.GetCancelledOrderReviewEligibilityAsync(
            new GetCancelledOrderReviewEligibilityRequest { OrderId = ids.Order }, Support)).FailedRule);

        // The buyer's earlier order (completed two days ago) reaches Reviews only now.
        await fx.CompletedOrderAsync(ago: TimeSpan.FromDays(2), buyerId: buyer);

        var opened = ReviewWindowOpened.Parser.ParseJson(Assert.Single(await WindowEventsAsync(ids.Order, 1)).Data);
        Assert.Equal(ReviewedOrderOutcome.Cancelled, opened.OrderOutcome);
    }

    /// <summary>Waits until at least <paramref name="count"/> window events of the order reached the topic (the outbox relayed), and returns them all.</summary>
    private async Task<IReadOnlyList<EventBus.CloudEvent>> WindowEventsAsync(string orderId, int count)
    {
        static bool IsWindow(EventBus.CloudEvent e) =>
            e.Type == TypeOf(ReviewWindowOpened.Descriptor) || e.Type == TypeOf(ReviewWindowClosed.Descriptor);
        await Wait.UntilAsync(async () => (await fx.ReviewEventsAsync(orderId)).Count(IsWindow) >= count, $"{count} window events of {orderId}");
        await fx.RelayedAsync(); // anything committed with them is on the topic too
        return (await fx.ReviewEventsAsync(orderId)).Where(IsWindow).ToList();
    }
}

/// <summary>Issue 12, hole 9: a window nobody used closes when its time runs out (<c>ENDED</c>), once; a reviewed one was closed already.</summary>
public sealed class ReviewWindowEndTests(ClockedReviewsFixture fx) : IClassFixture<ClockedReviewsFixture>
{
    [Fact]
    public async Task A_window_runs_out_as_ended_once_and_a_reviewed_window_stays_closed_as_reviewed()
    {
        var unused = await fx.CompletedOrderAsync();
        var reviewed = await fx.PendingReviewAsync();

        fx.Clock.Advance(TimeSpan.FromDays(14));
        await Wait.UntilAsync(async () => (await fx.ReviewEventsAsync(unused.Order)).Count >= 2, "the unused window closes");
        await Wait.UntilAsync(async () => (await fx.ReviewEventsAsync(reviewed.Order)).Any(e => e.Type == TypeOf(ReviewPublished.Descriptor)), "the reviewed order's review is published");
        foreach (var loop in fx.Host.Services.GetServices<IHostedService>().OfType<BackgroundLoop>())
        {
            await loop.RunOnceAsync(CancellationToken.None);
        }

        await fx.RelayedAsync();
        var events = await fx.ReviewEventsAsync(unused.Order);
        Assert.Equal([TypeOf(ReviewWindowOpened.Descriptor), TypeOf(ReviewWindowClosed.Descriptor)], events.Select(e => e.Type));
        var opened = ReviewWindowOpened.Parser.ParseJson(events[0].Data);
        var closed = ReviewWindowClosed.Parser.ParseJson(events[1].Data);
        Assert.Equal(ReviewWindowCloseReason.Ended, closed.Reason);
        Assert.Equal(opened.EndsAt, closed.ClosedAt);
        var reasons = (await fx.ReviewEventsAsync(reviewed.Order))
            .Where(e => e.Type == TypeOf(ReviewWindowClosed.Descriptor))
            .Select(e => ReviewWindowClosed.Parser.ParseJson(e.Data).Reason);
        Assert.Equal([ReviewWindowCloseReason.Reviewed], reasons);
    }
}
