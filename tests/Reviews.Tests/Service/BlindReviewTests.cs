using Grpc.Core;
using Marketplace.Contracts.Reviews.V1;
using Xunit;
using static Marketplace.Platform.PlatformEvents;
using static Marketplace.Reviews.Tests.Service.Steps;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>
/// Issue 12, hole 1 (SPEC 4 "blind until published"): a seller who wants to know what the buyer
/// wrote before reviewing the buyer tries every read path: the review record, the Gig's list, the
/// eligibility question, a response, and the events other services consume. Until publication
/// the seller learns only that a review exists (status, ids, times).
/// </summary>
[Collection(ReviewsServiceCollection.Name)]
public sealed class BlindReviewTests(ReviewsServiceFixture fx)
{
    [Fact]
    public async Task Before_publication_the_seller_reads_no_rating_and_no_text_through_any_rpc()
    {
        var o = await fx.CompletedOrderAsync();
        var submitted = await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", overall: 1, text: "Terrible, never again."), BuyerOf(o));

        var seen = await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, SellerOf(o));

        // That a review exists, and when: yes.
        Assert.Equal(ReviewStatus.PendingPublication, seen.Status);
        Assert.Equal(o.Order, seen.OrderId);
        Assert.Equal(o.Gig, seen.GigId);
        Assert.Equal(o.Buyer, seen.BuyerId);
        Assert.Equal(submitted.SubmittedAt, seen.SubmittedAt);
        Assert.Equal(submitted.WindowEndsAt, seen.WindowEndsAt);
        // What it says: nothing.
        Assert.Null(seen.Ratings);
        Assert.Equal("", seen.Text);
        Assert.Empty((await fx.Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = o.Gig }, SellerOf(o))).Reviews);
        await fx.AssertRefusedAsync(StatusCode.PermissionDenied, "only the buyer", o, () => fx.Client.GetCancelledOrderReviewEligibilityAsync(
            new GetCancelledOrderReviewEligibilityRequest { OrderId = o.Order }, SellerOf(o)).ResponseAsync);
        await fx.AssertRefusedAsync(StatusCode.FailedPrecondition, "'pending_publication'; a response needs a published review", o,
            () => fx.Client.PostSellerResponseAsync(new PostSellerResponseRequest { RequestId = "p-1", OrderId = o.Order, Text = "Let me explain" }, SellerOf(o)).ResponseAsync);
        // Only the buyer and support read it before publication; internal callers (back ends, ranking) are as blind as the seller.
        Assert.Equal("Terrible, never again.", (await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, BuyerOf(o))).Text);
        Assert.Equal(1, (await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, Support)).Ratings.Overall);
        var internalView = await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, Internal);
        Assert.Null(internalView.Ratings);
        Assert.Equal("", internalView.Text);
    }

    [Fact]
    public async Task The_submitted_event_other_services_consume_carries_no_rating_and_no_text()
    {
        var o = await fx.CompletedOrderAsync();
        await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", overall: 2), BuyerOf(o));

        var submitted = (await fx.EventsAsync(o.Order, 1)).Single(e => e.Type == TypeOf(BuyerReviewSubmitted.Descriptor));

        var review = BuyerReviewSubmitted.Parser.ParseJson(submitted.Data).Review;
        Assert.Equal(ReviewStatus.PendingPublication, review.Status);
        Assert.NotNull(review.SubmittedAt);
        Assert.NotNull(review.WindowEndsAt);
        Assert.Null(review.Ratings);
        Assert.Equal("", review.Text);
        Assert.DoesNotContain("ratings", submitted.Data, StringComparison.Ordinal);
        Assert.DoesNotContain(Text, submitted.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_published_the_seller_and_the_published_event_have_the_content()
    {
        var o = await fx.CompletedOrderAsync();
        await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", overall: 2), BuyerOf(o));

        var published = await fx.Client.SubmitSellerReviewAsync(SellerReview(o.Order), SellerOf(o));

        Assert.Equal(ReviewStatus.Published, published.Status);
        Assert.Equal(2, published.Ratings.Overall);
        Assert.Equal(Text, published.Text);
        Assert.False(published.Ratings.HasPrivateRating);
        var seen = await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, SellerOf(o));
        Assert.Equal(2, seen.Ratings.Overall);
        Assert.Equal(Text, seen.Text);
        var events = await fx.EventsAsync(o.Order, 3);
        Assert.Equal(
            [TypeOf(BuyerReviewSubmitted.Descriptor), TypeOf(SellerReviewSubmitted.Descriptor), TypeOf(ReviewPublished.Descriptor)],
            events.Where(e => e.Type != TypeOf(ReviewWindowClosed.Descriptor) && e.Type != TypeOf(ReviewWindowOpened.Descriptor)).Select(e => e.Type));
        // The seller's own review of the buyer comes in the same commit as the publication; its event is still blind.
        Assert.Null(SellerReviewSubmitted.Parser.ParseJson(events.Single(e => e.Type == TypeOf(SellerReviewSubmitted.Descriptor)).Data).Review.Ratings);
        var content = ReviewPublished.Parser.ParseJson(events.Single(e => e.Type == TypeOf(ReviewPublished.Descriptor)).Data).Review;
        Assert.Equal(2, content.Ratings.Overall);
        Assert.Equal(9, content.Ratings.PrivateRating);
        Assert.Equal(Text, content.Text);
    }

    [Fact]
    public async Task A_review_support_removes_before_publication_is_never_shown_to_the_seller()
    {
        var o = await fx.CompletedOrderAsync();
        await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", overall: 1), BuyerOf(o));

        var removed = await fx.Client.RemoveReviewAsync(new RemoveReviewRequest { RequestId = "m-" + o.Order, OrderId = o.Order, Reason = "terms" }, Support);

        Assert.Equal(ReviewStatus.Removed, removed.Status);
        var seen = await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, SellerOf(o));
        Assert.Equal(ReviewStatus.Removed, seen.Status);
        Assert.Null(seen.Ratings);
        Assert.Equal("", seen.Text);
        var removedEvent = (await fx.EventsAsync(o.Order, 2)).Single(e => e.Type == TypeOf(ReviewRemoved.Descriptor));
        Assert.Null(ReviewRemoved.Parser.ParseJson(removedEvent.Data).Review.Ratings);
        Assert.Equal("", ReviewRemoved.Parser.ParseJson(removedEvent.Data).Review.Text);
    }
}
