using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Reviews.Domain;
using Marketplace.Reviews.Store;
using Xunit;
using static Marketplace.Reviews.Tests.Scenario;

namespace Marketplace.Reviews.Tests;

/// <summary>
/// Issue 12, hole 9: the buyer's review window of an order as Reviews announces it (the one
/// source other services follow): when it opens, how long it lasts, and that it closes once.
/// </summary>
public sealed class ReviewWindowTests
{
    [Fact]
    public void Completion_opens_a_window_of_the_categorys_length()
    {
        var policy = Policy with { CategoryReviewWindows = new Dictionary<string, TimeSpan> { ["video"] = TimeSpan.FromDays(30) } };

        var plain = ReviewWindow.Open(Completed(), Regular, null, null, T0.AddDays(6), policy)!;
        var video = ReviewWindow.Open(Completed("video"), Regular, null, null, T0.AddDays(6), policy)!;

        Assert.Equal(T0.AddDays(6), plain.Window.OpensAt);
        Assert.Equal(T0.AddDays(20), plain.Window.EndsAt);
        Assert.Equal(T0.AddDays(36), video.Window.EndsAt);
        var opened = Assert.IsType<ReviewWindowOpened>(video.Event);
        Assert.Equal(("ord-1", "gig-1", "s-1", "b-1"), (opened.OrderId, opened.GigId, opened.SellerId, opened.BuyerId));
        Assert.Equal(ReviewedOrderOutcome.Completed, opened.OrderOutcome);
        Assert.Equal(T0.AddDays(36), opened.EndsAt.ToDateTimeOffset());
    }

    [Fact]
    public void An_order_has_one_window_and_none_once_reviewed_or_once_its_time_is_over()
    {
        var open = ReviewWindow.Open(Completed(), Regular, null, null, T0.AddDays(6), Policy)!.Window;

        Assert.Null(ReviewWindow.Open(Completed(), Regular, null, open, T0.AddDays(7), Policy));
        Assert.Null(ReviewWindow.Open(Completed(), Regular, Pending(), null, T0.AddDays(7), Policy));
        Assert.NotNull(ReviewWindow.Open(Completed(), Regular, null, null, T0.AddDays(20), Policy));
        Assert.Null(ReviewWindow.Open(Completed(), Regular, null, null, T0.AddDays(20).AddTicks(1), Policy));
        Assert.Null(ReviewWindow.Open(Completed() with { State = OrderState.Delivered, CompletedAt = null }, Regular, null, null, T0.AddDays(6), Policy));
    }

    [Fact]
    public void A_cancelled_order_opens_a_5_day_window_only_when_eligible()
    {
        var eligible = ReviewWindow.Open(Cancelled(), Regular, null, null, T0.AddDays(9), Policy)!;

        Assert.Equal(ReviewedOrderOutcome.Cancelled, eligible.Window.Outcome);
        Assert.Equal(T0.AddDays(8), eligible.Window.OpensAt);
        Assert.Equal(T0.AddDays(13), eligible.Window.EndsAt);
        Assert.Null(ReviewWindow.Open(Cancelled(), new BuyerStanding(0), null, null, T0.AddDays(9), Policy));
        Assert.Null(ReviewWindow.Open(Cancelled() with { BuyerHasSellerAccount = true }, Regular, null, null, T0.AddDays(9), Policy));
        var revoked = Accepted(ReviewRecord.RevokeEligibility(null, Cancelled(), Support, "terms", T0.AddDays(9)));
        Assert.Null(ReviewWindow.Open(Cancelled(), Regular, revoked, null, T0.AddDays(9), Policy));
    }

    [Fact]
    public void The_buyers_review_closes_the_window_as_reviewed_once()
    {
        var open = ReviewWindow.Open(Completed(), Regular, null, null, T0.AddDays(6), Policy)!.Window;
        var reviewed = Pending();

        var change = Assert.Single(ReviewWindow.Follow(Completed(), open, null, reviewed, T0.AddDays(7)));

        var closed = Assert.IsType<ReviewWindowClosed>(change.Event);
        Assert.Equal(ReviewWindowCloseReason.Reviewed, closed.Reason);
        Assert.Equal(T0.AddDays(7), closed.ClosedAt.ToDateTimeOffset());
        Assert.False(change.Window.IsOpen);
        // Later commands on the record (the seller's review, a response) leave the window alone.
        Assert.Empty(ReviewWindow.Follow(Completed(), change.Window, reviewed, Published(), T0.AddDays(8)));
        Assert.Null(change.Window.OnTimer(T0.AddDays(30)));
    }

    [Fact]
    public void A_review_of_a_window_never_announced_opens_and_closes_it_in_one_commit()
    {
        var reviewed = Accepted(Submit(Cancelled(), T0.AddDays(9)));

        var changes = ReviewWindow.Follow(Cancelled(), null, null, reviewed, T0.AddDays(9));

        Assert.Equal([typeof(ReviewWindowOpened), typeof(ReviewWindowClosed)], changes.Select(c => c.Event.GetType()));
        Assert.Equal(T0.AddDays(13), ((ReviewWindowOpened)changes[0].Event).EndsAt.ToDateTimeOffset());
    }

    [Fact]
    public void Support_revocation_closes_an_open_window_and_leaves_an_unopened_one_alone()
    {
        var open = ReviewWindow.Open(Cancelled(), Regular, null, null, T0.AddDays(9), Policy)!.Window;
        var revoked = Accepted(ReviewRecord.RevokeEligibility(null, Cancelled(), Support, "terms", T0.AddDays(10)));

        var change = Assert.Single(ReviewWindow.Follow(Cancelled(), open, null, revoked, T0.AddDays(10)));

        Assert.Equal(ReviewWindowCloseReason.Revoked, ((ReviewWindowClosed)change.Event).Reason);
        Assert.Empty(ReviewWindow.Follow(Cancelled(), null, null, revoked, T0.AddDays(10)));
    }

    [Fact]
    public void Time_closes_an_open_window_at_its_end_once()
    {
        var open = ReviewWindow.Open(Completed(), Regular, null, null, T0.AddDays(6), Policy)!.Window;

        Assert.Null(open.OnTimer(T0.AddDays(20)));   // a review is still accepted at the very end
        var ended = open.OnTimer(T0.AddDays(25))!;

        var closed = Assert.IsType<ReviewWindowClosed>(ended.Event);
        Assert.Equal(ReviewWindowCloseReason.Ended, closed.Reason);
        Assert.Equal(T0.AddDays(20), closed.ClosedAt.ToDateTimeOffset());
        Assert.Null(ended.Window.OnTimer(T0.AddDays(26)));
    }

    [Fact]
    public void A_completed_orders_review_keeps_to_the_announced_window()
    {
        var announced = ReviewWindow.Open(Completed(), Regular, null, null, T0.AddDays(6), Policy)!.Window with { EndsAt = T0.AddDays(10) };

        var late = ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, Ratings(), Text, T0.AddDays(11), Policy, announced);

        Assert.StartsWith("the review window of 4 days after completion of order ord-1 ended at 2026-03-11T12:00:00",
            Rejected(late, RejectionKind.FailedPrecondition).Message);
    }

    [Fact]
    public void Windows_round_trip_through_their_hash()
    {
        var open = ReviewWindow.Open(Cancelled(), Regular, null, null, T0.AddDays(9), Policy)!.Window;
        var closed = open.Close(ReviewWindowCloseReason.Revoked, T0.AddDays(10))!.Window;

        foreach (var window in new[] { open, closed })
        {
            Assert.Equal(window, WindowFields.Read(new Hosting.HashReader(WindowFields.Record, WindowFields.ToFields(window).Fields)));
        }

        Assert.Null(WindowFields.Read(new Hosting.HashReader(WindowFields.Record, new Dictionary<string, string>())));
    }
}
