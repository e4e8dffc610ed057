using Grpc.Core;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Reviews.Store;
using Xunit;
using static Marketplace.Platform.PlatformEvents;
using static Marketplace.Reviews.Tests.Service.Steps;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>
/// Issue 12, hole 5 (SPEC 4, 5.1): the private rating is optional. A buyer who gives none has none:
/// stored absent, answered absent, carried absent in events (Scoring then leaves it out of the
/// satisfaction area instead of counting a 0/10). A given one must be 0..10.
/// </summary>
[Collection(ReviewsServiceCollection.Name)]
public sealed class PrivateRatingTests(ReviewsServiceFixture fx)
{
    [Fact]
    public async Task A_review_without_a_private_rating_has_none_anywhere()
    {
        var o = await fx.CompletedOrderAsync();

        var answered = await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", privateRating: null), BuyerOf(o));
        await fx.Client.SubmitSellerReviewAsync(SellerReview(o.Order), SellerOf(o));

        Assert.False(answered.Ratings.HasPrivateRating);
        Assert.False(await fx.Db.HashExistsAsync(ReviewKeys.Review(o.Order), "buyer.private_rating"));
        foreach (var reader in new[] { Support, Internal, SellerOf(o), BuyerOf(o) })
        {
            Assert.False((await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, reader)).Ratings.HasPrivateRating);
        }

        var published = (await fx.EventsAsync(o.Order, 3)).Single(e => e.Type == TypeOf(ReviewPublished.Descriptor));
        var ratings = ReviewPublished.Parser.ParseJson(published.Data).Review.Ratings;
        Assert.Equal(5, ratings.Overall);
        Assert.False(ratings.HasPrivateRating);
        Assert.DoesNotContain("privateRating", published.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_private_rating_of_0_is_a_rating_and_is_kept_as_given()
    {
        var o = await fx.CompletedOrderAsync();

        await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", privateRating: 0), BuyerOf(o));
        await fx.Client.SubmitSellerReviewAsync(SellerReview(o.Order), SellerOf(o));

        var forSupport = (await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, Support)).Ratings;
        Assert.True(forSupport.HasPrivateRating);
        Assert.Equal(0, forSupport.PrivateRating);
        var published = (await fx.EventsAsync(o.Order, 3)).Single(e => e.Type == TypeOf(ReviewPublished.Descriptor));
        Assert.True(ReviewPublished.Parser.ParseJson(published.Data).Review.Ratings.HasPrivateRating);
        // Never shown to the seller or the public, not even as a 0.
        Assert.False((await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, SellerOf(o))).Ratings.HasPrivateRating);
        Assert.False(Assert.Single((await fx.Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = o.Gig }, SellerOf(o))).Reviews).Ratings.HasPrivateRating);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    public async Task A_given_private_rating_outside_0_to_10_is_invalid_argument_and_changes_nothing(int privateRating)
    {
        var o = await fx.CompletedOrderAsync();

        await fx.AssertRefusedAsync(StatusCode.InvalidArgument, $"ratings.private_rating must be 0-10 (was {privateRating})", o,
            () => fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", privateRating: privateRating), BuyerOf(o)).ResponseAsync);
    }

    /// <summary>Hole 6 on the new field: "none" and "0" are different requests under one request id.</summary>
    [Fact]
    public async Task Reusing_a_request_id_with_a_private_rating_where_there_was_none_is_already_exists()
    {
        var o = await fx.CompletedOrderAsync();
        var first = await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", privateRating: null), BuyerOf(o));

        await fx.AssertRefusedAsync(StatusCode.AlreadyExists, "request_id 'r-1' was already used for a different request", o,
            () => fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", privateRating: 0), BuyerOf(o)).ResponseAsync);

        Assert.Equal(first, await fx.Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", privateRating: null), BuyerOf(o)));
        Assert.False((await fx.Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, Support)).Ratings.HasPrivateRating);
    }
}
