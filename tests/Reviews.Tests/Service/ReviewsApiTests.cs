using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Testing;
using Xunit;
using static Marketplace.Platform.PlatformEvents;
using static Marketplace.Reviews.Tests.Service.ReviewsServiceFixture;
using static Marketplace.Reviews.Tests.Service.Steps;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>The flows of ReviewsApi against the running service: real Redis, real bus, real HTTP/2, the generated typed client.</summary>
[Collection(ReviewsServiceCollection.Name)]
public sealed class ReviewsApiTests(ReviewsServiceFixture fx)
{
    private ReviewsService.ReviewsServiceClient Client => fx.Client;

    /// <summary>
    /// Changed for issue 12 (holes 1 and 5): the submitted event says only that a review exists (no
    /// ratings, no text: blind until published), and the private rating is never answered to the buyer.
    /// </summary>
    [Fact]
    public async Task Buyer_reviews_a_completed_order_and_the_event_says_only_that_a_review_exists()
    {
        var o = await CompletedOrderAsync();

        var review = await Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), As(o.Buyer, CallerRole.Buyer));

        Assert.Equal(o.Order, review.OrderId);
        Assert.Equal(o.Gig, review.GigId);
        Assert.Equal(ReviewStatus.PendingPublication, review.Status);
        Assert.Equal(ReviewedOrderOutcome.Completed, review.OrderOutcome);
        Assert.Equal(5, review.Ratings.Overall);
        Assert.False(review.Ratings.HasPrivateRating);
        Assert.Equal(Text, review.Text);
        Assert.Equal(1, review.Version);

        var submitted = Assert.Single(await EventsAsync(o.Order, 1));
        Assert.Equal(TypeOf(BuyerReviewSubmitted.Descriptor), submitted.Type);
        Assert.Equal(ReviewsServiceFixture.AppId, submitted.Source);
        var payload = BuyerReviewSubmitted.Parser.ParseJson(submitted.Data);
        Assert.Null(payload.Review.Ratings);
        Assert.Equal("", payload.Review.Text);
        Assert.Equal(o.Seller, payload.Review.SellerId);
    }

    /// <summary>Changed for issue 12: internal callers read the review once published (blind before), and "not shown" is absent, not 0.</summary>
    [Fact]
    public async Task The_private_rating_is_shown_to_support_and_internal_callers_only()
    {
        var o = await PublishedReviewAsync();
        var get = new GetReviewRequest { OrderId = o.Order };

        Assert.Equal(9, (await Client.GetReviewAsync(get, As("sup-1", CallerRole.Support))).Ratings.PrivateRating);
        Assert.Equal(9, (await Client.GetReviewAsync(get, As("scoring", CallerRole.Internal))).Ratings.PrivateRating);
        Assert.False((await Client.GetReviewAsync(get, As(o.Seller, CallerRole.Seller))).Ratings.HasPrivateRating);
        Assert.False((await Client.GetReviewAsync(get, As(o.Buyer, CallerRole.Buyer))).Ratings.HasPrivateRating);
        var stranger = await Assert.ThrowsAsync<RpcException>(() => Client.GetReviewAsync(get, As("someone", CallerRole.Buyer)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, stranger.StatusCode);
    }

    [Fact]
    public async Task A_repeated_request_returns_the_first_answer_and_changes_nothing()
    {
        var o = await CompletedOrderAsync();
        var buyer = As(o.Buyer, CallerRole.Buyer);
        var first = await Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), buyer);
        await EventsAsync(o.Order, 1);
        var before = await fx.StateAsync(o.Order, o.Gig);

        var again = await Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), buyer);

        Assert.Equal(first, again);
        Assert.Equal(before, await fx.StateAsync(o.Order, o.Gig));
        Assert.Single(await EventsAsync(o.Order, 1));
    }

    /// <summary>
    /// Changed with the move to the platform's idempotent command runner: Reviews used to answer a
    /// request id reused for a different request with the first answer; now, as every service,
    /// it refuses it with ALREADY_EXISTS naming request_id, and still changes nothing.
    /// </summary>
    [Fact]
    public async Task A_request_id_reused_for_a_different_request_is_already_exists_and_changes_nothing()
    {
        var o = await CompletedOrderAsync();
        var buyer = As(o.Buyer, CallerRole.Buyer);
        await Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), buyer);
        await EventsAsync(o.Order, 1);

        await AssertRefusedAsync(StatusCode.AlreadyExists, "request_id 'r-1' was already used for a different request", o,
            () => Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1", overall: 2), buyer).ResponseAsync);
        // The same id on another RPC is a different request too.
        await AssertRefusedAsync(StatusCode.AlreadyExists, "request_id", o,
            () => Client.PostSellerResponseAsync(new PostSellerResponseRequest { RequestId = "r-1", OrderId = o.Order, Text = "Thanks" }, buyer).ResponseAsync);

        Assert.Equal(5, (await Client.GetReviewAsync(new GetReviewRequest { OrderId = o.Order }, buyer)).Ratings.Overall);
        Assert.Single(await EventsAsync(o.Order, 1));
    }

    [Fact]
    public async Task Seller_review_publishes_the_buyer_review_on_the_gig_without_the_private_rating()
    {
        var o = await CompletedOrderAsync();
        await Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), As(o.Buyer, CallerRole.Buyer));
        var reader = As("sup-1", CallerRole.Support);
        Assert.Empty((await Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = o.Gig }, reader)).Reviews);

        var published = await Client.SubmitSellerReviewAsync(
            new SubmitSellerReviewRequest { RequestId = "s-1", OrderId = o.Order, Rating = 5, Text = "Clear brief." }, As(o.Seller, CallerRole.Seller));

        Assert.Equal(ReviewStatus.Published, published.Status);
        var listed = Assert.Single((await Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = o.Gig }, reader)).Reviews);
        Assert.Equal(o.Order, listed.OrderId);
        Assert.Equal(5, listed.Ratings.Overall);
        Assert.False(listed.Ratings.HasPrivateRating);
        var types = (await EventsAsync(o.Order, 3)).Select(e => e.Type).ToList();
        Assert.Equal(
            [TypeOf(BuyerReviewSubmitted.Descriptor), TypeOf(SellerReviewSubmitted.Descriptor), TypeOf(ReviewPublished.Descriptor)],
            types);
    }

    [Fact]
    public async Task Seller_responds_once_and_support_removes_the_response_and_the_review()
    {
        var o = await PublishedReviewAsync();
        var seller = As(o.Seller, CallerRole.Seller);
        var support = As("sup-1", CallerRole.Support);

        var responded = await Client.PostSellerResponseAsync(new PostSellerResponseRequest { RequestId = "p-1", OrderId = o.Order, Text = "Thank you!" }, seller);
        Assert.Equal("Thank you!", responded.SellerResponse.Text);
        await AssertRefusedAsync(StatusCode.AlreadyExists, "already responded", o,
            () => Client.PostSellerResponseAsync(new PostSellerResponseRequest { RequestId = "p-2", OrderId = o.Order, Text = "Edited" }, seller).ResponseAsync);
        // Removal is support's: refused by the RPC's policy before the domain (which refuses it too) is asked.
        await AssertRefusedAsync(StatusCode.PermissionDenied, "RemoveReview needs the role support", o,
            () => Client.RemoveReviewAsync(new RemoveReviewRequest { RequestId = "x-1", OrderId = o.Order, Reason = "spam" }, seller).ResponseAsync);

        var withoutResponse = await Client.RemoveSellerResponseAsync(
            new RemoveSellerResponseRequest { RequestId = "m-1", OrderId = o.Order, Reason = "abusive" }, support);
        Assert.Equal("abusive", withoutResponse.SellerResponse.Removal.Reason);
        var removed = await Client.RemoveReviewAsync(new RemoveReviewRequest { RequestId = "m-2", OrderId = o.Order, Reason = "terms" }, support);

        Assert.Equal(ReviewStatus.Removed, removed.Status);
        Assert.Empty((await Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = o.Gig }, support)).Reviews);
        var types = (await EventsAsync(o.Order, 6)).Skip(3).Select(e => e.Type).ToList();
        Assert.Equal(
            [TypeOf(SellerResponsePosted.Descriptor), TypeOf(SellerResponseRemoved.Descriptor), TypeOf(ReviewRemoved.Descriptor)],
            types);
    }

    [Fact]
    public async Task Gig_reviews_come_newest_first_in_pages()
    {
        var first = await PublishedReviewAsync();
        var second = await PublishedReviewAsync(first.Gig);
        var third = await PublishedReviewAsync(first.Gig);
        var reader = As("anyone", CallerRole.Buyer);

        var page1 = await Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = first.Gig, PageSize = 2 }, reader);
        var page2 = await Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = first.Gig, PageSize = 2, PageToken = page1.NextPageToken }, reader);

        Assert.Equal([third.Order, second.Order], page1.Reviews.Select(r => r.OrderId));
        Assert.Equal([first.Order], page2.Reviews.Select(r => r.OrderId));
        Assert.Equal("", page2.NextPageToken);
        var bad = await Assert.ThrowsAsync<RpcException>(() =>
            Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = first.Gig, PageSize = 101 }, reader).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains("page_size", bad.Status.Detail);
        var badToken = await Assert.ThrowsAsync<RpcException>(() =>
            Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = first.Gig, PageToken = "x" }, reader).ResponseAsync);
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

        var review = await Client.SubmitBuyerReviewAsync(Submit(ids.Order, "r-1"), As(ids.Buyer, CallerRole.Buyer));

        Assert.Equal(ReviewStatus.PendingPublication, review.Status);
    }

    [Fact]
    public async Task A_review_before_the_completion_arrives_is_refused_and_succeeds_once_it_has()
    {
        var ids = OrderEvents.NewIds();
        var placed = OrderEvents.Placed(ids.Order, ids.Gig, ids.Buyer, ids.Seller);
        var buyer = As(ids.Buyer, CallerRole.Buyer);
        var o = new OrderIds(ids.Order, ids.Gig, ids.Buyer, ids.Seller);

        // Permission before existence (issue 16): an order Reviews has not heard of has no parties here,
        // so even its buyer is refused as a non-party; support learns that Reviews does not know it yet.
        await AssertRefusedAsync(StatusCode.PermissionDenied, $"only the buyer of order {ids.Order} may review it", o,
            () => Client.SubmitBuyerReviewAsync(Submit(ids.Order, "r-1"), buyer).ResponseAsync);
        await AssertRefusedAsync(StatusCode.NotFound, $"order {ids.Order} is not known to Reviews", o,
            () => Client.GetReviewAsync(new GetReviewRequest { OrderId = ids.Order }, As("support-1", CallerRole.Support)).ResponseAsync);
        var inProgress = OrderEvents.InProgress(placed);
        await fx.DeliverAsync(new WorkStarted { Order = inProgress }, inProgress);
        await AssertRefusedAsync(StatusCode.FailedPrecondition, "in state 'in_progress'", o,
            () => Client.SubmitBuyerReviewAsync(Submit(ids.Order, "r-1"), buyer).ResponseAsync);

        var completed = OrderEvents.Completed(placed);
        await fx.DeliverAsync(new OrderCompleted { Order = completed }, completed);
        var review = await Client.SubmitBuyerReviewAsync(Submit(ids.Order, "r-1"), buyer);

        Assert.Equal(ReviewStatus.PendingPublication, review.Status);
    }

    [Fact]
    public async Task Bad_input_gets_the_status_naming_the_field_or_rule_and_changes_nothing()
    {
        var o = await CompletedOrderAsync();
        var buyer = As(o.Buyer, CallerRole.Buyer);
        var seller = As(o.Seller, CallerRole.Seller);
        Task<Review> SubmitAs(Metadata caller, SubmitBuyerReviewRequest request) => Client.SubmitBuyerReviewAsync(request, caller).ResponseAsync;

        await AssertRefusedAsync(StatusCode.InvalidArgument, "ratings.overall", o, () => SubmitAs(buyer, Submit(o.Order, "r-1", overall: 6)));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "ratings.overall", o, () => SubmitAs(buyer, Submit(o.Order, "r-1", overall: 0)));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "ratings.private_rating", o, () => SubmitAs(buyer, Submit(o.Order, "r-1", privateRating: 11)));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "text", o, () => SubmitAs(buyer, Submit(o.Order, "r-1", text: "Too short")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "request_id", o, () => SubmitAs(buyer, Submit(o.Order, "")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "order_id", o, () => SubmitAs(buyer, Submit("", "r-1")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "order_id must be at most 128 characters", o, () => SubmitAs(buyer, Submit(new string('x', 500), "r-1")));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only the buyer of order ord-unknown", o, () => SubmitAs(buyer, Submit("ord-unknown", "r-1")));
        await AssertRefusedAsync(StatusCode.Unauthenticated, "authorization", o, () => SubmitAs([], Submit(o.Order, "r-1")));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only the buyer", o, () => SubmitAs(As("another-buyer", CallerRole.Buyer), Submit(o.Order, "r-1")));
        await AssertRefusedAsync(StatusCode.PermissionDenied, "only the buyer", o, () => SubmitAs(seller, Submit(o.Order, "r-1")));
        await AssertRefusedAsync(StatusCode.FailedPrecondition, "only after the buyer has reviewed", o,
            () => Client.SubmitSellerReviewAsync(new SubmitSellerReviewRequest { RequestId = "s-1", OrderId = o.Order, Rating = 5, Text = "Clear brief." }, seller).ResponseAsync);

        await SubmitAs(buyer, Submit(o.Order, "r-1"));
        await AssertRefusedAsync(StatusCode.AlreadyExists, "already has a buyer review", o, () => SubmitAs(buyer, Submit(o.Order, "r-2")));
        await AssertRefusedAsync(StatusCode.InvalidArgument, "rating", o,
            () => Client.SubmitSellerReviewAsync(new SubmitSellerReviewRequest { RequestId = "s-1", OrderId = o.Order, Rating = 9, Text = "Clear brief." }, seller).ResponseAsync);
    }

    [Fact]
    public async Task A_review_after_the_window_is_refused_naming_the_window()
    {
        var o = await CompletedOrderAsync(ago: TimeSpan.FromDays(15));

        await AssertRefusedAsync(StatusCode.FailedPrecondition, "review window of 14 days", o,
            () => Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), As(o.Buyer, CallerRole.Buyer)).ResponseAsync);
    }

    [Fact]
    public async Task An_eligible_cancelled_order_is_reviewed_and_published_at_once()
    {
        var earlier = await CompletedOrderAsync(ago: TimeSpan.FromHours(2));
        var ids = OrderEvents.NewIds();
        var cancelled = OrderEvents.CancelledLate(OrderEvents.Placed(ids.Order, ids.Gig, earlier.Buyer, ids.Seller));
        await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
        var buyer = As(earlier.Buyer, CallerRole.Buyer);
        var ask = new GetCancelledOrderReviewEligibilityRequest { OrderId = ids.Order };

        var eligibility = await Client.GetCancelledOrderReviewEligibilityAsync(ask, buyer);
        Assert.True(eligibility.Eligible, eligibility.Explanation);
        var review = await Client.SubmitBuyerReviewAsync(Submit(ids.Order, "r-1"), buyer);

        Assert.Equal(ReviewStatus.Published, review.Status);
        Assert.Equal(ReviewedOrderOutcome.Cancelled, review.OrderOutcome);
        Assert.Equal(EligibilityRule.AlreadyReviewed, (await Client.GetCancelledOrderReviewEligibilityAsync(ask, buyer)).FailedRule);
        Assert.Equal(ids.Order, Assert.Single((await Client.GetGigReviewsAsync(new GetGigReviewsRequest { GigId = ids.Gig }, buyer)).Reviews).OrderId);
    }

    [Fact]
    public async Task Cancelled_order_eligibility_names_the_failed_rule()
    {
        var ids = OrderEvents.NewIds();
        var cancelled = OrderEvents.CancelledLate(OrderEvents.Placed(ids.Order, ids.Gig, ids.Buyer, ids.Seller));
        await fx.DeliverAsync(new OrderCancelled { Order = cancelled }, cancelled);
        var o = new OrderIds(ids.Order, ids.Gig, ids.Buyer, ids.Seller);
        var buyer = As(ids.Buyer, CallerRole.Buyer);
        var ask = new GetCancelledOrderReviewEligibilityRequest { OrderId = ids.Order };
        var revoke = new RevokeReviewEligibilityRequest { RequestId = "v-1", OrderId = ids.Order, Reason = "terms" };

        var firstTimer = await Client.GetCancelledOrderReviewEligibilityAsync(ask, buyer);
        Assert.False(firstTimer.Eligible);
        Assert.Equal(EligibilityRule.FirstTimeBuyer, firstTimer.FailedRule);
        // The seller role in the buyer's token changes nothing (issue 12, hole 7: the fact is kept with the order; SellerAccountFactTests).
        Assert.Equal(EligibilityRule.FirstTimeBuyer,
            (await Client.GetCancelledOrderReviewEligibilityAsync(ask, As(ids.Buyer, CallerRole.Buyer, CallerRole.Seller))).FailedRule);
        await AssertRefusedAsync(StatusCode.FailedPrecondition, "ELIGIBILITY_RULE_FIRST_TIME_BUYER", o,
            () => Client.SubmitBuyerReviewAsync(Submit(ids.Order, "r-1"), buyer).ResponseAsync);
        // Revocation is support's: refused by the RPC's policy before the domain (which refuses it too) is asked.
        await AssertRefusedAsync(StatusCode.PermissionDenied, "RevokeReviewEligibility needs the role support", o,
            () => Client.RevokeReviewEligibilityAsync(revoke, buyer).ResponseAsync);

        var revoked = await Client.RevokeReviewEligibilityAsync(revoke, As("sup-1", CallerRole.Support));

        Assert.Equal(EligibilityRule.RevokedBySupport, revoked.FailedRule);
        Assert.Equal(TypeOf(ReviewEligibilityRevoked.Descriptor), Assert.Single(await EventsAsync(ids.Order, 1)).Type);
    }

    private Task<OrderIds> CompletedOrderAsync(TimeSpan? ago = null, string? gigId = null) => fx.CompletedOrderAsync(ago, gigId);

    private async Task<OrderIds> PublishedReviewAsync(string? gigId = null)
    {
        var o = await CompletedOrderAsync(gigId: gigId);
        await Client.SubmitBuyerReviewAsync(Submit(o.Order, "r-1"), As(o.Buyer, CallerRole.Buyer));
        await Client.SubmitSellerReviewAsync(
            new SubmitSellerReviewRequest { RequestId = "s-1", OrderId = o.Order, Rating = 4, Text = "Clear brief." }, As(o.Seller, CallerRole.Seller));
        return o;
    }

    /// <summary>The review record's events of the order (its window's events left out), once at least <paramref name="count"/> arrived.</summary>
    private async Task<IReadOnlyList<EventBus.CloudEvent>> EventsAsync(string orderId, int count)
    {
        await Wait.UntilAsync(async () => RecordEvents(await fx.ReviewEventsAsync(orderId)).Count >= count, $"{count} review events of {orderId}");
        return RecordEvents(await fx.ReviewEventsAsync(orderId));
    }

    private Task AssertRefusedAsync(StatusCode code, string fragment, OrderIds o, Func<Task> call) => fx.AssertRefusedAsync(code, fragment, o, call);
}
