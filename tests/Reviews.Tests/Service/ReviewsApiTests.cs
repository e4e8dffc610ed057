using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>The first flows of ReviewsApi against the running service: real Redis, real bus, real HTTP/2.</summary>
[Collection(ReviewsServiceCollection.Name)]
public sealed class ReviewsApiTests(ReviewsServiceFixture fx)
{
    private const string Text = "Great work, delivered early.";

    [Fact]
    public async Task Buyer_reviews_a_completed_order_and_the_event_carries_the_private_rating()
    {
        var o = await CompletedOrderAsync();
        var buyer = ReviewsClient.As(fx.Channel, o.Buyer, CallerRole.Buyer);

        var review = await buyer.SubmitBuyerReview(Submit(o.Order, "r-1"));

        Assert.Equal(o.Order, review.OrderId);
        Assert.Equal(o.Gig, review.GigId);
        Assert.Equal(ReviewStatus.PendingPublication, review.Status);
        Assert.Equal(ReviewedOrderOutcome.Completed, review.OrderOutcome);
        Assert.Equal(5, review.Ratings.Overall);
        Assert.Equal(0, review.Ratings.PrivateRating);
        Assert.Equal(Text, review.Text);
        Assert.Equal(1, review.Version);

        var submitted = Assert.Single(await EventsAsync(o.Order, 1));
        Assert.Equal("reviews.buyer_review_submitted.v1", submitted.Type);
        Assert.Equal("reviews", submitted.Source);
        var payload = BuyerReviewSubmitted.Parser.ParseJson(submitted.Data);
        Assert.Equal(9, payload.Review.Ratings.PrivateRating);
        Assert.Equal(o.Seller, payload.Review.SellerId);
    }

    [Fact]
    public async Task The_private_rating_is_shown_to_support_and_internal_callers_only()
    {
        var o = await CompletedOrderAsync();
        await ReviewsClient.As(fx.Channel, o.Buyer, CallerRole.Buyer).SubmitBuyerReview(Submit(o.Order, "r-1"));

        Assert.Equal(9, (await ReviewsClient.As(fx.Channel, "sup-1", CallerRole.Support).GetReview(o.Order)).Ratings.PrivateRating);
        Assert.Equal(9, (await ReviewsClient.As(fx.Channel, "scoring", CallerRole.Internal).GetReview(o.Order)).Ratings.PrivateRating);
        Assert.Equal(0, (await ReviewsClient.As(fx.Channel, o.Seller, CallerRole.Seller).GetReview(o.Order)).Ratings.PrivateRating);
        Assert.Equal(0, (await ReviewsClient.As(fx.Channel, o.Buyer, CallerRole.Buyer).GetReview(o.Order)).Ratings.PrivateRating);
        var stranger = await Assert.ThrowsAsync<RpcException>(() => ReviewsClient.As(fx.Channel, "someone", CallerRole.Buyer).GetReview(o.Order));
        Assert.Equal(StatusCode.PermissionDenied, stranger.StatusCode);
    }

    [Fact]
    public async Task A_repeated_request_returns_the_first_answer_and_changes_nothing()
    {
        var o = await CompletedOrderAsync();
        var buyer = ReviewsClient.As(fx.Channel, o.Buyer, CallerRole.Buyer);
        var first = await buyer.SubmitBuyerReview(Submit(o.Order, "r-1"));
        await EventsAsync(o.Order, 1);
        var before = await fx.StateAsync(o.Order, o.Gig);

        var again = await buyer.SubmitBuyerReview(Submit(o.Order, "r-1", overall: 2));

        Assert.Equal(first, again);
        Assert.Equal(before, await fx.StateAsync(o.Order, o.Gig));
        Assert.Single(await fx.ReviewEventsAsync(o.Order));
    }

    [Fact]
    public async Task Seller_review_publishes_the_buyer_review_on_the_gig_without_the_private_rating()
    {
        var o = await CompletedOrderAsync();
        await ReviewsClient.As(fx.Channel, o.Buyer, CallerRole.Buyer).SubmitBuyerReview(Submit(o.Order, "r-1"));
        var reader = ReviewsClient.As(fx.Channel, "sup-1", CallerRole.Support);
        Assert.Empty((await reader.GetGigReviews(new GetGigReviewsRequest { GigId = o.Gig })).Reviews);

        var seller = ReviewsClient.As(fx.Channel, o.Seller, CallerRole.Seller);
        var published = await seller.SubmitSellerReview(new SubmitSellerReviewRequest { RequestId = "s-1", OrderId = o.Order, Rating = 5, Text = "Clear brief." });

        Assert.Equal(ReviewStatus.Published, published.Status);
        var listed = Assert.Single((await reader.GetGigReviews(new GetGigReviewsRequest { GigId = o.Gig })).Reviews);
        Assert.Equal(o.Order, listed.OrderId);
        Assert.Equal(5, listed.Ratings.Overall);
        Assert.Equal(0, listed.Ratings.PrivateRating);
        var types = (await EventsAsync(o.Order, 3)).Select(e => e.Type).ToList();
        Assert.Equal(["reviews.buyer_review_submitted.v1", "reviews.seller_review_submitted.v1", "reviews.review_published.v1"], types);
    }

    [Fact]
    public async Task Seller_responds_once_and_support_removes_the_response_and_the_review()
    {
        var o = await PublishedReviewAsync();
        var seller = ReviewsClient.As(fx.Channel, o.Seller, CallerRole.Seller);
        var support = ReviewsClient.As(fx.Channel, "sup-1", CallerRole.Support);

        var responded = await seller.PostSellerResponse(new PostSellerResponseRequest { RequestId = "p-1", OrderId = o.Order, Text = "Thank you!" });
        Assert.Equal("Thank you!", responded.SellerResponse.Text);
        await AssertRefusedAsync(StatusCode.AlreadyExists, "already responded", o,
            () => seller.PostSellerResponse(new PostSellerResponseRequest { RequestId = "p-2", OrderId = o.Order, Text = "Edited" }));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only support", o,
            () => seller.RemoveReview(new RemoveReviewRequest { RequestId = "x-1", OrderId = o.Order, Reason = "spam" }));

        var withoutResponse = await support.RemoveSellerResponse(new RemoveSellerResponseRequest { RequestId = "m-1", OrderId = o.Order, Reason = "abusive" });
        Assert.Equal("abusive", withoutResponse.SellerResponse.Removal.Reason);
        var removed = await support.RemoveReview(new RemoveReviewRequest { RequestId = "m-2", OrderId = o.Order, Reason = "terms" });

        Assert.Equal(ReviewStatus.Removed, removed.Status);
        Assert.Empty((await support.GetGigReviews(new GetGigReviewsRequest { GigId = o.Gig })).Reviews);
        var types = (await EventsAsync(o.Order, 6)).Skip(3).Select(e => e.Type).ToList();
        Assert.Equal(["reviews.seller_response_posted.v1", "reviews.seller_response_removed.v1", "reviews.review_removed.v1"], types);
    }

    [Fact]
    public async Task Gig_reviews_come_newest_first_in_pages()
    {
        var first = await PublishedReviewAsync();
        var second = await PublishedReviewAsync(first.Gig);
        var third = await PublishedReviewAsync(first.Gig);
        var reader = ReviewsClient.As(fx.Channel, "anyone", CallerRole.Buyer);

        var page1 = await reader.GetGigReviews(new GetGigReviewsRequest { GigId = first.Gig, PageSize = 2 });
        var page2 = await reader.GetGigReviews(new GetGigReviewsRequest { GigId = first.Gig, PageSize = 2, PageToken = page1.NextPageToken });

        Assert.Equal([third.Order, second.Order], page1.Reviews.Select(r => r.OrderId));
        Assert.Equal([first.Order], page2.Reviews.Select(r => r.OrderId));
        Assert.Equal("", page2.NextPageToken);
        var bad = await Assert.ThrowsAsync<RpcException>(() => reader.GetGigReviews(new GetGigReviewsRequest { GigId = first.Gig, PageSize = 101 }));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains("page_size", bad.Status.Detail);
        var badToken = await Assert.ThrowsAsync<RpcException>(() => reader.GetGigReviews(new GetGigReviewsRequest { GigId = first.Gig, PageToken = "x" }));
        Assert.Contains("page_token", badToken.Status.Detail);
    }

    [Fact]
    public async Task Events_arriving_out_of_order_keep_the_newest_order_snapshot()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Gig, ids.Buyer, ids.Seller);
        var completed = OrderEvents.Completed(placed);
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        await fx.DeliverAsync(new OrderPlaced { Order = placed }, placed);
        await fx.DeliverAsync(new WorkStarted { Order = OrderEvents.InProgress(placed) }, placed);

        var review = await ReviewsClient.As(fx.Channel, ids.Buyer, CallerRole.Buyer).SubmitBuyerReview(Submit(ids.Order, "r-1"));

        Assert.Equal(ReviewStatus.PendingPublication, review.Status);
    }

    [Fact]
    public async Task A_review_before_the_completion_arrives_is_refused_and_succeeds_once_it_has()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Gig, ids.Buyer, ids.Seller);
        var buyer = ReviewsClient.As(fx.Channel, ids.Buyer, CallerRole.Buyer);
        var o = (ids.Order, ids.Gig, ids.Buyer, ids.Seller);

        await AssertRefusedAsync(StatusCode.NotFound, $"order {ids.Order} is not known", o, () => buyer.SubmitBuyerReview(Submit(ids.Order, "r-1")));
        var inProgress = OrderEvents.InProgress(placed);
        await fx.DeliverAsync(new WorkStarted { Order = inProgress }, inProgress);
        await AssertRefusedAsync(StatusCode.FailedPrecondition, "in state 'in_progress'", o, () => buyer.SubmitBuyerReview(Submit(ids.Order, "r-1")));

        var completed = OrderEvents.Completed(placed);
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        var review = await buyer.SubmitBuyerReview(Submit(ids.Order, "r-1"));

        Assert.Equal(ReviewStatus.PendingPublication, review.Status);
    }

    [Fact]
    public async Task Bad_input_gets_the_status_naming_the_field_or_rule_and_changes_nothing()
    {
        var o = await CompletedOrderAsync();
        var buyer = ReviewsClient.As(fx.Channel, o.Buyer, CallerRole.Buyer);

        await AssertRefusedAsync(StatusCode.InvalidArgument, "ratings.overall", o, () => buyer.SubmitBuyerReview(Submit(o.Order, "r-1", overall: 6)));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "ratings.overall", o, () => buyer.SubmitBuyerReview(Submit(o.Order, "r-1", overall: 0)));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "ratings.private_rating", o, () => buyer.SubmitBuyerReview(Submit(o.Order, "r-1", privateRating: 11)));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "text", o, () => buyer.SubmitBuyerReview(Submit(o.Order, "r-1", text: "Too short")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "request_id", o, () => buyer.SubmitBuyerReview(Submit(o.Order, "")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "order_id", o, () => buyer.SubmitBuyerReview(Submit("", "r-1")));
        await AssertRefusedAsync(StatusCode.NotFound, "ord-unknown", o, () => buyer.SubmitBuyerReview(Submit("ord-unknown", "r-1")));
        await AssertRefusedAsync(StatusCode.Unauthenticated, "", o, () => ReviewsClient.Anonymous(fx.Channel).SubmitBuyerReview(Submit(o.Order, "r-1")));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only the buyer", o,
            () => ReviewsClient.As(fx.Channel, "another-buyer", CallerRole.Buyer).SubmitBuyerReview(Submit(o.Order, "r-1")));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only the buyer", o,
            () => ReviewsClient.As(fx.Channel, o.Seller, CallerRole.Seller).SubmitBuyerReview(Submit(o.Order, "r-1")));
        await AssertRefusedAsync(StatusCode.FailedPrecondition, "only after the buyer has reviewed", o,
            () => ReviewsClient.As(fx.Channel, o.Seller, CallerRole.Seller).SubmitSellerReview(
                new SubmitSellerReviewRequest { RequestId = "s-1", OrderId = o.Order, Rating = 5, Text = "Clear brief." }));

        await buyer.SubmitBuyerReview(Submit(o.Order, "r-1"));
        await AssertRefusedAsync(StatusCode.AlreadyExists, "already has a buyer review", o, () => buyer.SubmitBuyerReview(Submit(o.Order, "r-2")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "rating", o,
            () => ReviewsClient.As(fx.Channel, o.Seller, CallerRole.Seller).SubmitSellerReview(
                new SubmitSellerReviewRequest { RequestId = "s-1", OrderId = o.Order, Rating = 9, Text = "Clear brief." }));
    }

    [Fact]
    public async Task A_review_after_the_window_is_refused_naming_the_window()
    {
        var o = await CompletedOrderAsync(ago: TimeSpan.FromDays(15));
        var buyer = ReviewsClient.As(fx.Channel, o.Buyer, CallerRole.Buyer);

        await AssertRefusedAsync(StatusCode.FailedPrecondition, "review window of 14 days", o, () => buyer.SubmitBuyerReview(Submit(o.Order, "r-1")));
    }

    [Fact]
    public async Task An_eligible_cancelled_order_is_reviewed_and_published_at_once()
    {
        var earlier = await CompletedOrderAsync(ago: TimeSpan.FromHours(2));
        var ids = OrderEvents.NewIds();
        var cancelled = OrderEvents.CancelledLate(OrderEvents.Placed(ids.Order, ids.Gig, earlier.Buyer, ids.Seller));
        await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
        var buyer = ReviewsClient.As(fx.Channel, earlier.Buyer, CallerRole.Buyer);

        var eligibility = await buyer.GetEligibility(ids.Order);
        Assert.True(eligibility.Eligible, eligibility.Explanation);
        var review = await buyer.SubmitBuyerReview(Submit(ids.Order, "r-1"));

        Assert.Equal(ReviewStatus.Published, review.Status);
        Assert.Equal(ReviewedOrderOutcome.Cancelled, review.OrderOutcome);
        Assert.Equal(EligibilityRule.AlreadyReviewed, (await buyer.GetEligibility(ids.Order)).FailedRule);
        Assert.Equal(ids.Order, Assert.Single((await buyer.GetGigReviews(new GetGigReviewsRequest { GigId = ids.Gig })).Reviews).OrderId);
    }

    [Fact]
    public async Task Cancelled_order_eligibility_names_the_failed_rule()
    {
        var ids = OrderEvents.NewIds();
        var cancelled = OrderEvents.CancelledLate(OrderEvents.Placed(ids.Order, ids.Gig, ids.Buyer, ids.Seller));
        await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
        var o = (ids.Order, ids.Gig, ids.Buyer, ids.Seller);

        var firstTimer = await ReviewsClient.As(fx.Channel, ids.Buyer, CallerRole.Buyer).GetEligibility(ids.Order);
        Assert.False(firstTimer.Eligible);
        Assert.Equal(EligibilityRule.FirstTimeBuyer, firstTimer.FailedRule);
        var sellerAccount = await ReviewsClient.As(fx.Channel, ids.Buyer, CallerRole.Buyer, CallerRole.Seller).GetEligibility(ids.Order);
        Assert.Equal(EligibilityRule.BuyerHasActiveSellerAccount, sellerAccount.FailedRule);
        await AssertRefusedAsync(StatusCode.FailedPrecondition, "ELIGIBILITY_RULE_FIRST_TIME_BUYER", o,
            () => ReviewsClient.As(fx.Channel, ids.Buyer, CallerRole.Buyer).SubmitBuyerReview(Submit(ids.Order, "r-1")));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only support", o,
            () => ReviewsClient.As(fx.Channel, ids.Buyer, CallerRole.Buyer).RevokeEligibility(new RevokeReviewEligibilityRequest { RequestId = "v-1", OrderId = ids.Order, Reason = "terms" }));

        var revoked = await ReviewsClient.As(fx.Channel, "sup-1", CallerRole.Support)
            .RevokeEligibility(new RevokeReviewEligibilityRequest { RequestId = "v-1", OrderId = ids.Order, Reason = "terms" });

        Assert.Equal(EligibilityRule.RevokedBySupport, revoked.FailedRule);
        Assert.Equal("reviews.eligibility_revoked.v1", Assert.Single(await EventsAsync(ids.Order, 1)).Type);
    }

    private async Task<(string Order, string Gig, string Buyer, string Seller)> CompletedOrderAsync(TimeSpan? ago = null, string? gigId = null)
    {
        var ids = OrderEvents.NewIds();
        var completed = OrderEvents.Completed(OrderEvents.Placed(ids.Order, gigId ?? ids.Gig, ids.Buyer, ids.Seller), ago);
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        return (ids.Order, gigId ?? ids.Gig, ids.Buyer, ids.Seller);
    }

    private async Task<(string Order, string Gig, string Buyer, string Seller)> PublishedReviewAsync(string? gigId = null)
    {
        var o = await CompletedOrderAsync(gigId: gigId);
        await ReviewsClient.As(fx.Channel, o.Buyer, CallerRole.Buyer).SubmitBuyerReview(Submit(o.Order, "r-1"));
        await ReviewsClient.As(fx.Channel, o.Seller, CallerRole.Seller)
            .SubmitSellerReview(new SubmitSellerReviewRequest { RequestId = "s-1", OrderId = o.Order, Rating = 4, Text = "Clear brief." });
        return o;
    }

    private static SubmitBuyerReviewRequest Submit(string orderId, string requestId, int overall = 5, int privateRating = 9, string text = Text) => new()
    {
        RequestId = requestId,
        OrderId = orderId,
        Ratings = new BuyerRatings { Overall = overall, Communication = 5, Quality = 4, ValueForMoney = 4, WouldRecommend = true, PrivateRating = privateRating },
        Text = text,
    };

    /// <summary>Waits until at least <paramref name="count"/> review events of the order reached the topic, and returns them.</summary>
    private async Task<IReadOnlyList<EventBus.CloudEvent>> EventsAsync(string orderId, int count)
    {
        await Wait.UntilAsync(async () => (await fx.ReviewEventsAsync(orderId)).Count >= count, $"{count} review events of {orderId}");
        return await fx.ReviewEventsAsync(orderId);
    }

    private async Task AssertRefusedAsync(
        StatusCode code, string fragment, (string Order, string Gig, string Buyer, string Seller) o, Func<Task> call)
    {
        var before = await fx.StateAsync(o.Order, o.Gig);
        var refused = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, refused.StatusCode);
        Assert.Contains(fragment, refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.StateAsync(o.Order, o.Gig));
    }
}
