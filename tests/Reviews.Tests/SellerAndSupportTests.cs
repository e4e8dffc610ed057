using Marketplace.Contracts.Reviews.V1;
using Marketplace.Reviews.Domain;
using Xunit;
using static Marketplace.Reviews.Tests.Scenario;

namespace Marketplace.Reviews.Tests;

/// <summary>SPEC 4: the seller's review of the buyer, the one public response, support removal.</summary>
public sealed class SellerAndSupportTests
{
    [Fact]
    public void Spec4_seller_reviews_the_buyer_only_after_the_buyer_reviewed()
    {
        var notReviewed = ReviewRecord.For(Completed());

        var rejection = Rejected(notReviewed.SubmitSellerReview(Seller, 5, "fine buyer", T0.AddDays(8)), RejectionKind.FailedPrecondition);

        Assert.Equal("the seller may review the buyer of order ord-1 only after the buyer has reviewed", rejection.Message);
    }

    [Fact]
    public void Spec4_sellers_cannot_review_buyers_on_cancelled_orders()
    {
        var record = Accepted(Submit(Cancelled(), T0.AddDays(9)));

        var rejection = Rejected(record.SubmitSellerReview(Seller, 5, "fine buyer", T0.AddDays(9)), RejectionKind.FailedPrecondition);

        Assert.Equal("sellers cannot review buyers on cancelled orders (order ord-1)", rejection.Message);
    }

    [Fact]
    public void Spec4_seller_reviews_once_and_within_the_window()
    {
        var twice = Rejected(Published().SubmitSellerReview(Seller, 5, "again", T0.AddDays(9)), RejectionKind.AlreadyExists);
        var late = Rejected(Pending().SubmitSellerReview(Seller, 5, "late", T0.AddDays(21)), RejectionKind.FailedPrecondition);

        Assert.Equal("the seller has already reviewed the buyer of order ord-1", twice.Message);
        Assert.StartsWith("the review window of order ord-1 ended at", late.Message);
    }

    [Fact]
    public void Spec4_seller_review_validates_rating_and_caller()
    {
        Assert.Equal("rating must be 1-5 (was 0)",
            Rejected(Pending().SubmitSellerReview(Seller, 0, "text", T0.AddDays(8)), RejectionKind.InvalidArgument).Message);
        Assert.Equal("only the seller of order ord-1 may review the buyer of it; caller is seller s-2",
            Rejected(Pending().SubmitSellerReview(Actor.Seller("s-2"), 5, "text", T0.AddDays(8)), RejectionKind.PermissionDenied).Message);
    }

    [Fact]
    public void Spec4_seller_posts_one_public_response_that_cannot_be_edited()
    {
        var decision = Published().PostSellerResponse(Seller, "Thank you!", T0.AddDays(9));
        var responded = Accepted(decision);

        var again = Rejected(responded.PostSellerResponse(Seller, "Edited thanks", T0.AddDays(10)), RejectionKind.AlreadyExists);

        Assert.Equal("Thank you!", responded.SellerResponse!.Text);
        Assert.IsType<SellerResponsePosted>(Assert.Single(decision.Events));
        Assert.Equal("the seller has already responded to the review of order ord-1; responses cannot be edited", again.Message);
    }

    [Fact]
    public void Spec4_support_removes_a_response_which_then_stays_gone()
    {
        var responded = Accepted(Published().PostSellerResponse(Seller, "You are wrong!", T0.AddDays(9)));

        var decision = responded.RemoveSellerResponse(Support, "hostile", T0.AddDays(10));

        var removed = Accepted(decision);
        Assert.Equal(new Marketplace.Reviews.Domain.Removal("hostile", "sup-1", T0.AddDays(10)), removed.SellerResponse!.Removal);
        Assert.IsType<SellerResponseRemoved>(Assert.Single(decision.Events));
        Assert.Equal("", ReviewSnapshot.ToPublicMessage(removed).SellerResponse.Text);
        Assert.Equal("You are wrong!", ReviewSnapshot.ToMessage(removed).SellerResponse.Text);
        Assert.Equal(ReviewStatus.Published, removed.Status);
        Rejected(removed.PostSellerResponse(Seller, "Second try", T0.AddDays(11)), RejectionKind.AlreadyExists);
        Assert.Equal("the seller response to the review of order ord-1 is already removed",
            Rejected(removed.RemoveSellerResponse(Support, "again", T0.AddDays(11)), RejectionKind.FailedPrecondition).Message);
    }

    [Fact]
    public void Spec5_6_only_support_removes_responses_and_only_existing_ones()
    {
        var responded = Accepted(Published().PostSellerResponse(Seller, "Thanks", T0.AddDays(9)));

        Assert.Equal("only support may remove seller responses; caller is buyer b-1",
            Rejected(responded.RemoveSellerResponse(Buyer, "dislike", T0.AddDays(10)), RejectionKind.PermissionDenied).Message);
        Assert.Equal("the review of order ord-1 has no seller response to remove",
            Rejected(Published().RemoveSellerResponse(Support, "terms", T0.AddDays(10)), RejectionKind.FailedPrecondition).Message);
    }

    [Fact]
    public void Spec4_response_needs_a_published_review_and_the_orders_seller()
    {
        var pending = Rejected(Pending().PostSellerResponse(Seller, "Thanks", T0.AddDays(8)), RejectionKind.FailedPrecondition);
        var buyer = Rejected(Published().PostSellerResponse(Buyer, "Thanks", T0.AddDays(9)), RejectionKind.PermissionDenied);

        Assert.Equal("the review of order ord-1 is 'pending_publication'; a response needs a published review", pending.Message);
        Assert.Contains("only the seller of order ord-1", buyer.Message);
    }

    [Fact]
    public void Spec4_support_removes_a_review_with_a_reason_and_it_stops_counting()
    {
        var decision = Published().Remove(Support, "insults", T0.AddDays(10));

        var removed = Accepted(decision);
        Assert.Equal(ReviewStatus.Removed, removed.Status);
        Assert.False(removed.IsPublic);
        Assert.Equal(new Marketplace.Reviews.Domain.Removal("insults", "sup-1", T0.AddDays(10)), removed.Removal);
        var evt = Assert.IsType<ReviewRemoved>(Assert.Single(decision.Events));
        Assert.Equal(ReviewStatus.Removed, evt.Review.Status);
        Assert.Equal("insults", evt.Review.Removal.Reason);
    }

    [Fact]
    public void Spec5_6_only_support_removes_reviews_with_a_reason_once()
    {
        Assert.Equal("only support may remove reviews; caller is seller s-1",
            Rejected(Published().Remove(Seller, "dislike", T0), RejectionKind.PermissionDenied).Message);
        Assert.Equal("reason must not be empty",
            Rejected(Published().Remove(Support, " ", T0), RejectionKind.InvalidArgument).Message);
        var removed = Accepted(Published().Remove(Support, "insults", T0.AddDays(10)));
        Assert.Equal("the review of order ord-1 is already removed",
            Rejected(removed.Remove(Support, "again", T0.AddDays(11)), RejectionKind.FailedPrecondition).Message);
    }

    [Fact]
    public void Spec4_a_removed_review_is_never_published_by_the_timer()
    {
        var removed = Accepted(Pending().Remove(Support, "spam", T0.AddDays(8)));

        Assert.Empty(removed.OnTimer(T0.AddDays(60)).Events);
    }

    [Fact]
    public void Spec4_the_private_rating_is_shown_to_support_and_internal_callers_only()
    {
        var record = Published();

        Assert.Equal(9, ReviewSnapshot.ForCaller(record, Support).Ratings.PrivateRating);
        Assert.Equal(9, ReviewSnapshot.ForCaller(record, Actor.Internal("scoring")).Ratings.PrivateRating);
        Assert.False(ReviewSnapshot.ForCaller(record, Seller).Ratings.HasPrivateRating);
        Assert.False(ReviewSnapshot.ForCaller(record, Buyer).Ratings.HasPrivateRating);
    }

    [Fact]
    public void Spec4_before_publication_only_the_buyer_and_support_read_what_the_review_says()
    {
        var pending = Pending();

        Assert.Equal(5, ReviewSnapshot.ForCaller(pending, Buyer).Ratings.Overall);
        Assert.Equal(9, ReviewSnapshot.ForCaller(pending, Support).Ratings.PrivateRating);
        foreach (var reader in new[] { Seller, Actor.Internal("ranking") })
        {
            var seen = ReviewSnapshot.ForCaller(pending, reader);
            Assert.Equal(ReviewStatus.PendingPublication, seen.Status);
            Assert.NotNull(seen.SubmittedAt);
            Assert.Null(seen.Ratings);
            Assert.Equal("", seen.Text);
        }

        Assert.Equal(ReviewSnapshot.Blind(pending), ReviewSnapshot.ForEvent(pending));
        Assert.Equal(ReviewSnapshot.ToMessage(Published()), ReviewSnapshot.ForEvent(Published()));
    }

    [Fact]
    public void Spec4_a_review_removed_before_publication_stays_blind_and_one_removed_after_does_not()
    {
        var removedPending = Accepted(Pending().Remove(Support, "spam", T0.AddDays(8)));
        var removedPublished = Accepted(Published().Remove(Support, "spam", T0.AddDays(9)));

        Assert.Null(ReviewSnapshot.ForCaller(removedPending, Seller).Ratings);
        Assert.Null(ReviewSnapshot.ForEvent(removedPending).Ratings);
        Assert.Equal(5, ReviewSnapshot.ForCaller(removedPublished, Seller).Ratings.Overall);
    }

    [Fact]
    public void Spec5_6_the_record_is_read_by_the_orders_parties_support_and_internal_callers()
    {
        var record = Published();

        Assert.Null(record.AllowRead(Buyer));
        Assert.Null(record.AllowRead(Seller));
        Assert.Null(record.AllowRead(Support));
        Assert.Equal("caller buyer b-2 may not read the review record of order ord-1", record.AllowRead(Actor.Buyer("b-2"))!.Message);
        Assert.Equal(RejectionKind.PermissionDenied, record.AllowRead(Actor.Seller("s-2"))!.Kind);
    }

    [Fact]
    public void Spec4_versions_rise_by_one_per_event()
    {
        var pending = Pending();
        var published = Published();
        var responded = Accepted(published.PostSellerResponse(Seller, "Thanks", T0.AddDays(9)));
        var removed = Accepted(responded.Remove(Support, "terms", T0.AddDays(10)));

        Assert.Equal([1L, 3, 4, 5], new[] { pending.Version, published.Version, responded.Version, removed.Version });
    }
}
