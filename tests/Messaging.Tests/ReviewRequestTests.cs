using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Messaging.Domain;
using Xunit;
using static Marketplace.Messaging.Tests.Scenario;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Tests;

/// <summary>
/// SPEC 3: review requests - one per completed order, while its review window (as Reviews reports
/// it) is open, no incentives or rating asks, not after 90 days.
/// </summary>
public sealed class ReviewRequestTests
{
    private static readonly DateTimeOffset CompletedAt = T0.AddDays(5);
    private static readonly ReviewWindow Open = new(CompletedAt, CompletedAt.AddDays(14), null);
    private static readonly OrderReviewFacts Reviewable = new("ord-1", CompletedAt, Open);
    private const string Polite = "Thanks for your order! If you have a moment, an honest review would help me.";

    private static Decision<Conversation> Ask(Conversation c, string text = Polite, OrderReviewFacts? order = null, DateTimeOffset? at = null, Actor? caller = null) =>
        c.RequestReview(caller ?? Seller, NextMessageId(), text, order ?? Reviewable, at ?? CompletedAt.AddDays(1), Policy, Screen);

    [Fact]
    public void Spec3_seller_requests_a_review_of_a_completed_order()
    {
        var decision = Ask(BuyerOpened());

        var c = Accepted(decision);
        Assert.Equal(CompletedAt.AddDays(1), c.ReviewRequestedAt);
        var evt = Assert.IsType<ReviewRequested>(Assert.Single(decision.Events));
        Assert.Equal(Polite, evt.Message.Text);
        Assert.Equal("ord-1", evt.Conversation.OrderId);
    }

    [Fact]
    public void Spec3_at_most_one_request_per_order()
    {
        var c = Accepted(Ask(BuyerOpened()));

        var rejection = Rejected(Ask(c, at: CompletedAt.AddDays(2)), RejectionKind.AlreadyExists);

        Assert.Equal("a review request was already sent for order ord-1 (one per order)", rejection.Message);
    }

    [Fact]
    public void Spec3_an_offer_or_a_rating_ask_is_a_failed_precondition_naming_the_rule_and_the_term()
    {
        Assert.Equal("text: a review request must not offer anything in exchange for a review (found the en term 'discount*')",
            Rejected(Ask(BuyerOpened(), "I'll give you a 20% discount on your next order for a review"), RejectionKind.FailedPrecondition).Message);
        Assert.Equal("text: a review request must not ask for a particular rating (found the en term '5 star*')",
            Rejected(Ask(BuyerOpened(), "Please leave a 5 star review!"), RejectionKind.FailedPrecondition).Message);
    }

    [Fact]
    public void Spec3_not_for_orders_that_are_not_completed()
    {
        var rejection = Rejected(Ask(BuyerOpened(), order: Reviewable with { CompletedAt = null }), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 is not completed; review requests are for completed orders", rejection.Message);
    }

    [Fact]
    public void Spec3_only_while_the_review_window_Reviews_reported_is_open()
    {
        Accepted(Ask(BuyerOpened(), at: CompletedAt.AddDays(14)));
        Accepted(Ask(BuyerOpened(), order: Reviewable with { Window = Open with { EndsAt = CompletedAt.AddDays(30) } }, at: CompletedAt.AddDays(20)));

        Assert.Equal($"order ord-1 can no longer be reviewed by its buyer: its review window ended at {CompletedAt.AddDays(14):O}",
            Rejected(Ask(BuyerOpened(), at: CompletedAt.AddDays(14).AddTicks(1)), RejectionKind.FailedPrecondition).Message);
        Assert.Equal("order ord-1 has no open review window (Reviews has not reported one); review requests need the buyer's review window",
            Rejected(Ask(BuyerOpened(), order: Reviewable with { Window = ReviewWindow.Unknown }), RejectionKind.FailedPrecondition).Message);
        Assert.Equal($"order ord-1's review window opens at {CompletedAt.AddDays(2):O}; review requests need the buyer's review window",
            Rejected(Ask(BuyerOpened(), order: Reviewable with { Window = Open with { OpensAt = CompletedAt.AddDays(2) } }), RejectionKind.FailedPrecondition).Message);
    }

    [Theory]
    [InlineData(ReviewWindowCloseReason.Reviewed, "the buyer has reviewed it")]
    [InlineData(ReviewWindowCloseReason.Ended, "the review window of order ord-1 has ended")]
    [InlineData(ReviewWindowCloseReason.Revoked, "support revoked its review eligibility")]
    public void Spec3_a_window_Reviews_closed_stays_closed_whatever_its_times_say(ReviewWindowCloseReason reason, string rule)
    {
        var closed = Reviewable with { Window = Open with { ClosedBy = reason } };
        var closedBeforeOpening = Reviewable with { Window = ReviewWindow.Unknown with { ClosedBy = reason } };

        Assert.Equal($"order ord-1 can no longer be reviewed by its buyer: {rule}", Rejected(Ask(BuyerOpened(), order: closed), RejectionKind.FailedPrecondition).Message);
        Assert.Equal($"order ord-1 can no longer be reviewed by its buyer: {rule}", Rejected(Ask(BuyerOpened(), order: closedBeforeOpening), RejectionKind.FailedPrecondition).Message);
    }

    [Fact]
    public void Spec3_not_for_orders_older_than_90_days()
    {
        var longWindow = Reviewable with { Window = Open with { EndsAt = CompletedAt.AddDays(120) } };

        Accepted(Ask(BuyerOpened(), order: longWindow, at: CompletedAt.AddDays(90)));
        var rejection = Rejected(Ask(BuyerOpened(), order: longWindow, at: CompletedAt.AddDays(90).AddTicks(1)), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 was completed more than 90 days ago; no review requests for older orders", rejection.Message);
    }

    [Fact]
    public void Spec3_a_review_request_never_starts_a_wait_on_the_buyer()
    {
        var asked = Accepted(Ask(BuyerOpened()));

        Assert.Null(asked.BuyerWaitSince);
        Assert.Null(asked.UnresponsiveDueAt(Policy));
        Assert.Empty(asked.OnTimer(CompletedAt.AddDays(30), Policy).Events);
    }

    [Fact]
    public void Spec3_only_the_conversations_seller_and_only_on_the_orders_conversation()
    {
        Assert.StartsWith("only the seller of conversation conv-1 may request a review",
            Rejected(Ask(BuyerOpened(), caller: Buyer), RejectionKind.PermissionDenied).Message);
        Assert.Equal("conversation conv-1 is not about an order; review requests need the order's conversation",
            Rejected(Ask(BuyerOpened(orderId: "")), RejectionKind.FailedPrecondition).Message);
        Assert.Equal("conversation conv-1 is not about an order; review requests need the order's conversation",
            Rejected(Ask(BuyerOpened(orderId: "ord-2")), RejectionKind.FailedPrecondition).Message);
        Assert.Equal("text must not be empty",
            Rejected(Ask(BuyerOpened(), text: ""), RejectionKind.InvalidArgument).Message);
    }
}
