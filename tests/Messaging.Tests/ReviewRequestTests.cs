using Marketplace.Contracts.Messaging.V1;
using Marketplace.Messaging.Domain;
using Xunit;
using static Marketplace.Messaging.Tests.Scenario;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Tests;

/// <summary>SPEC 3: review requests - one per completed order, while reviewable, no incentives or rating asks, not after 90 days.</summary>
public sealed class ReviewRequestTests
{
    private static readonly DateTimeOffset CompletedAt = T0.AddDays(5);
    private static readonly OrderReviewFacts Reviewable = new("ord-1", CompletedAt, BuyerReviewed: false, CompletedAt.AddDays(14));
    private const string Polite = "Thanks for your order! If you have a moment, an honest review would help me.";

    private static Decision<Conversation> Ask(Conversation c, string text = Polite, OrderReviewFacts? order = null, DateTimeOffset? at = null, Actor? caller = null) =>
        c.RequestReview(caller ?? Seller, NextMessageId(), text, order ?? Reviewable, at ?? CompletedAt.AddDays(1), Policy);

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

    [Theory]
    [InlineData("I'll give you a 20% discount on your next order for a review", "discount")]
    [InlineData("Leave a review and get a FREE logo", "FREE")]
    [InlineData("Happy to send a partial refund in exchange for feedback", "refund")]
    [InlineData("You get an extra revision if you review", "extra revision")]
    public void Spec3_offering_anything_in_exchange_is_rejected_naming_the_rule(string text, string found)
    {
        var rejection = Rejected(Ask(BuyerOpened(), text), RejectionKind.InvalidArgument);

        Assert.Equal($"text: a review request must not offer anything in exchange for a review (found '{found}')", rejection.Message);
    }

    [Theory]
    [InlineData("Please leave a 5 star review!", "5 star")]
    [InlineData("A five-star rating would mean a lot", "five-star")]
    [InlineData("Could you rate me 5/5?", "rate me")]
    [InlineData("Please leave me a positive   review", "positive   review")]
    public void Spec3_asking_for_a_particular_rating_is_rejected_naming_the_rule(string text, string found)
    {
        var rejection = Rejected(Ask(BuyerOpened(), text), RejectionKind.InvalidArgument);

        Assert.Equal($"text: a review request must not ask for a particular rating (found '{found}')", rejection.Message);
    }

    [Fact]
    public void Spec3_terms_match_whole_words_only()
    {
        Accepted(Ask(BuyerOpened(), "As a freelancer I value honest feedback on my tipography... typography!"));
    }

    [Fact]
    public void Spec3_not_for_orders_that_are_not_completed()
    {
        var rejection = Rejected(Ask(BuyerOpened(), order: Reviewable with { CompletedAt = null }), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 is not completed; review requests are for completed orders", rejection.Message);
    }

    [Fact]
    public void Spec3_only_while_the_order_can_still_be_reviewed()
    {
        var reviewed = Rejected(Ask(BuyerOpened(), order: Reviewable with { BuyerReviewed = true }), RejectionKind.FailedPrecondition);
        var windowEnded = Rejected(Ask(BuyerOpened(), at: CompletedAt.AddDays(14).AddTicks(1)), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 can no longer be reviewed by its buyer", reviewed.Message);
        Assert.Equal(reviewed.Message, windowEnded.Message);
        Accepted(Ask(BuyerOpened(), at: CompletedAt.AddDays(14)));
    }

    [Fact]
    public void Spec3_not_for_orders_older_than_90_days()
    {
        var longWindow = Reviewable with { ReviewWindowEndsAt = CompletedAt.AddDays(120) };

        Accepted(Ask(BuyerOpened(), order: longWindow, at: CompletedAt.AddDays(90)));
        var rejection = Rejected(Ask(BuyerOpened(), order: longWindow, at: CompletedAt.AddDays(90).AddTicks(1)), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 was completed more than 90 days ago; no review requests for older orders", rejection.Message);
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
