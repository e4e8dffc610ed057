using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Reviews.Domain;
using Xunit;
using static Marketplace.Reviews.Tests.Scenario;

namespace Marketplace.Reviews.Tests;

/// <summary>SPEC 4 "Completed orders": the buyer's review, its ranges, window and publication.</summary>
public sealed class BuyerReviewTests
{
    [Fact]
    public void Spec4_buyer_reviews_a_completed_order_within_the_window()
    {
        var decision = Submit(Completed(), T0.AddDays(7));

        var record = Accepted(decision);
        Assert.Equal(ReviewStatus.PendingPublication, record.Status);
        Assert.Equal(T0.AddDays(20), record.WindowEndsAt);
        Assert.Equal(1, record.Version);
        Assert.Equal(ReviewedOrderOutcome.Completed, record.Outcome);
        Assert.Equal(new Ratings(5, 5, 4, 4, true, 9), record.BuyerReview!.Ratings);
        // Blind until published: the event says that a review exists, not what it says.
        var submitted = Assert.IsType<BuyerReviewSubmitted>(Assert.Single(decision.Events));
        Assert.Null(submitted.Review.Ratings);
        Assert.Equal("", submitted.Review.Text);
        Assert.Equal(ReviewStatus.PendingPublication, submitted.Review.Status);
        Assert.Equal("gig-1", submitted.Review.GigId);
    }

    [Fact]
    public void Spec4_the_private_rating_is_optional_and_absent_stays_absent()
    {
        var ratings = Ratings();
        ratings.ClearPrivateRating();

        var decision = ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, ratings, Text, T0.AddDays(7), Policy);

        var record = Accepted(decision);
        Assert.Null(record.BuyerReview!.Ratings.PrivateRating);
        var published = Accepted(record.SubmitSellerReview(Seller, 5, "Clear brief, quick answers.", T0.AddDays(8)));
        Assert.False(ReviewSnapshot.ToMessage(published).Ratings.HasPrivateRating);
        var zero = Accepted(ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, Ratings(privateRating: 0), Text, T0.AddDays(7), Policy));
        Assert.Equal(0, zero.BuyerReview!.Ratings.PrivateRating);
    }

    public static TheoryData<string, Action<BuyerRatings>, string> BadRatings => new()
    {
        { "overall 0", r => r.Overall = 0, "ratings.overall must be 1-5 (was 0)" },
        { "overall 6", r => r.Overall = 6, "ratings.overall must be 1-5 (was 6)" },
        { "communication", r => r.Communication = 0, "ratings.communication must be 1-5 (was 0)" },
        { "quality", r => r.Quality = 9, "ratings.quality must be 1-5 (was 9)" },
        { "value", r => r.ValueForMoney = -1, "ratings.value_for_money must be 1-5 (was -1)" },
        { "private -1", r => r.PrivateRating = -1, "ratings.private_rating must be 0-10 (was -1)" },
        { "private 11", r => r.PrivateRating = 11, "ratings.private_rating must be 0-10 (was 11)" },
    };

    [Theory]
    [MemberData(nameof(BadRatings))]
    public void Spec4_out_of_range_ratings_are_invalid_argument_naming_the_field(string _, Action<BuyerRatings> spoil, string message)
    {
        var ratings = Ratings();
        spoil(ratings);

        var rejection = Rejected(
            ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, ratings, Text, T0.AddDays(7), Policy),
            RejectionKind.InvalidArgument);

        Assert.Equal(message, rejection.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Spec4_star_bounds_are_accepted(int stars)
    {
        var ratings = Ratings(overall: stars, privateRating: stars == 1 ? 0 : 10);

        Accepted(ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, ratings, Text, T0.AddDays(7), Policy));
    }

    [Fact]
    public void Spec4_ratings_are_required()
    {
        var rejection = Rejected(
            ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, null, Text, T0.AddDays(7), Policy),
            RejectionKind.InvalidArgument);

        Assert.Equal("ratings is required", rejection.Message);
    }

    [Theory]
    [InlineData("too short", 9)]
    [InlineData("   padded    ", 6)]
    [InlineData("", 0)]
    public void Spec4_text_needs_at_least_10_characters(string text, int counted)
    {
        var rejection = Rejected(
            ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, Ratings(), text, T0.AddDays(7), Policy),
            RejectionKind.InvalidArgument);

        Assert.Equal($"text must have at least 10 characters (had {counted})", rejection.Message);
    }

    [Fact]
    public void Spec4_text_length_counts_characters_not_code_units()
    {
        // Ten emoji are twenty UTF-16 code units but ten characters.
        var tenEmoji = string.Concat(Enumerable.Repeat("\U0001F600", 10));

        Accepted(ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, Ratings(), tenEmoji, T0.AddDays(7), Policy));
        var nine = string.Concat(Enumerable.Repeat("\U0001F600", 9));
        Rejected(ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, Ratings(), nine, T0.AddDays(7), Policy), RejectionKind.InvalidArgument);
    }

    [Fact]
    public void Spec5_6_only_the_orders_buyer_reviews()
    {
        var other = Rejected(
            ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Actor.Buyer("b-2"), Ratings(), Text, T0.AddDays(7), Policy),
            RejectionKind.PermissionDenied);
        var seller = Rejected(
            ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Seller, Ratings(), Text, T0.AddDays(7), Policy),
            RejectionKind.PermissionDenied);

        Assert.Equal("only the buyer of order ord-1 may review it; caller is buyer b-2", other.Message);
        Assert.Equal("only the buyer of order ord-1 may review it; caller is seller s-1", seller.Message);
    }

    [Fact]
    public void Spec4_the_buyer_reviews_once()
    {
        var rejection = Rejected(Submit(Completed(), T0.AddDays(8), existing: Pending()), RejectionKind.AlreadyExists);

        Assert.Equal("order ord-1 already has a buyer review", rejection.Message);
    }

    [Fact]
    public void Spec4_window_is_14_days_after_completion()
    {
        Accepted(Submit(Completed(), T0.AddDays(20)));
        var rejection = Rejected(Submit(Completed(), T0.AddDays(20).AddTicks(1)), RejectionKind.FailedPrecondition);

        Assert.StartsWith("the review window of 14 days after completion of order ord-1 ended at 2026-03-21T12:00:00", rejection.Message);
    }

    [Fact]
    public void Spec4_categories_can_have_a_30_day_window()
    {
        var policy = Policy with { CategoryReviewWindows = new Dictionary<string, TimeSpan> { ["video"] = TimeSpan.FromDays(30) } };

        var late = ReviewRecord.SubmitBuyerReview(null, Completed("video"), Regular, Buyer, Ratings(), Text, T0.AddDays(35), policy);
        var otherCategory = ReviewRecord.SubmitBuyerReview(null, Completed(), Regular, Buyer, Ratings(), Text, T0.AddDays(35), policy);

        Assert.Equal(T0.AddDays(36), Accepted(late).WindowEndsAt);
        Rejected(otherCategory, RejectionKind.FailedPrecondition);
    }

    [Fact]
    public void Spec4_running_orders_cannot_be_reviewed()
    {
        var running = Completed() with { State = OrderState.Delivered, CompletedAt = null };

        var rejection = Rejected(Submit(running, T0.AddDays(7)), RejectionKind.FailedPrecondition);

        Assert.Equal("order ord-1 is in state 'delivered'; a review needs 'completed' or 'cancelled'", rejection.Message);
    }

    [Fact]
    public void Spec4_review_is_published_when_both_have_reviewed()
    {
        var decision = Pending().SubmitSellerReview(Seller, 4, "Clear brief, quick answers.", T0.AddDays(8));

        var record = Accepted(decision);
        Assert.Equal(ReviewStatus.Published, record.Status);
        Assert.Equal(T0.AddDays(8), record.PublishedAt);
        Assert.Equal([typeof(SellerReviewSubmitted), typeof(ReviewPublished)], decision.Events.Select(e => e.GetType()));
        Assert.False(((ReviewPublished)decision.Events[1]).BecauseWindowEnded);
        Assert.Equal(3, record.Version);
    }

    [Fact]
    public void Spec4_review_is_published_when_the_window_ends()
    {
        var pending = Pending();

        var early = pending.OnTimer(T0.AddDays(20).AddTicks(-1));
        var due = pending.OnTimer(T0.AddDays(20));

        Assert.Empty(early.Events);
        Assert.Equal(ReviewStatus.Published, Accepted(due).Status);
        Assert.True(Assert.IsType<ReviewPublished>(Assert.Single(due.Events)).BecauseWindowEnded);
        Assert.False(pending.IsPublic);
    }

    [Fact]
    public void Spec4_private_rating_is_never_shown_to_the_seller_or_public()
    {
        var record = Published();

        Assert.Equal(9, ReviewSnapshot.ToMessage(record).Ratings.PrivateRating);
        Assert.False(ReviewSnapshot.ToPublicMessage(record).Ratings.HasPrivateRating);
        Assert.Equal(5, ReviewSnapshot.ToPublicMessage(record).Ratings.Overall);
    }

    [Fact]
    public void Spec4_policy_defaults_and_validation_name_the_setting()
    {
        Assert.Equal(TimeSpan.FromDays(14), Policy.BuyerReviewWindow);
        Assert.Equal(TimeSpan.FromDays(5), Policy.CancelledOrderReviewWindow);
        Assert.Empty(Policy.Validate());

        var bad = Policy with
        {
            BuyerReviewWindow = TimeSpan.Zero,
            CategoryReviewWindows = new Dictionary<string, TimeSpan> { ["video"] = TimeSpan.FromDays(91) },
        };

        Assert.Equal(
            ["BuyerReviewWindow must be > 0 and <= 90 days (was 00:00:00)", "CategoryReviewWindows:video must be > 0 and <= 90 days (was 91.00:00:00)"],
            bad.Validate());
    }
}
