using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Hosting.Redis;
using Marketplace.Platform;
using Marketplace.Platform.Grpc;
using Marketplace.Reviews.Domain;
using Marketplace.Reviews.Store;
using Microsoft.AspNetCore.Authorization;

namespace Marketplace.Reviews.Api;

/// <summary>
/// marketplace.reviews.v1.ReviewsService. Every RPC needs an authenticated caller, and support's
/// removals and revocations need the support role (authorization runs before the method:
/// UNAUTHENTICATED / PERMISSION_DENIED); the domain still checks who acts on each order. Each
/// command hands the domain method to <see cref="ReviewCommands"/> (idempotent unit of work),
/// reads go to the store. Refusals are thrown as domain rejections and become statuses in the
/// platform's interceptor.
/// </summary>
[Authorize]
public sealed class ReviewsApi(ReviewCommands commands, ReviewStore store, ReviewPolicy policy, TimeProvider clock)
    : ReviewsService.ReviewsServiceBase
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    public override Task<Review> SubmitBuyerReview(SubmitBuyerReviewRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request, Review.Parser, async c =>
        {
            // Whether the buyer holds an active seller account is kept with the order (never read from the caller's token).
            var standing = await ReviewStore.ReadStandingAsync(c.Work, c.Order);
            var decision = ReviewRecord.SubmitBuyerReview(c.Record, c.Order, standing, c.Actor, request.Ratings, request.Text, c.Now, policy, c.Window);
            return (decision, next => ReviewSnapshot.ForCaller(next, c.Actor));
        });

    public override async Task<GetGigReviewsResponse> GetGigReviews(GetGigReviewsRequest request, ServerCallContext context)
    {
        RequestFields.Id("gig_id", request.GigId);
        var pageSize = request.PageSize switch
        {
            0 => DefaultPageSize,
            < 0 or > MaxPageSize => throw Rejection.InvalidArgument($"page_size must be 0-{MaxPageSize} (was {request.PageSize})").ToException(),
            _ => request.PageSize,
        };
        PageCursor? after = null;
        if (request.PageToken.Length > 0 && (after = IndexPages.Parse(request.PageToken, RequestFields.MaxIdLength)) is null)
        {
            throw Rejection.InvalidArgument("page_token is not a token returned by GetGigReviews").ToException();
        }

        var (records, next) = await store.GetGigPageAsync(request.GigId, after, pageSize);
        var response = new GetGigReviewsResponse { NextPageToken = next is null ? "" : IndexPages.Token(next) };
        response.Reviews.AddRange(records.Select(ReviewSnapshot.ToPublicMessage));
        return response;
    }

    public override async Task<Review> GetReview(GetReviewRequest request, ServerCallContext context)
    {
        RequestFields.Id("order_id", request.OrderId);
        var caller = context.Caller();
        var record = await store.GetRecordAsync(request.OrderId);
        var order = record is null ? await store.GetOrderAsync(request.OrderId) : null;

        // Permission before existence (issue 16): the rule is asked on the record, or the empty record
        // of the order, or of an order of nobody's; only a caller it lets through learns what is missing.
        var readable = record ?? ReviewRecord.For(order ?? ReviewableOrder.OfNobody(request.OrderId));
        var actor = ActingParty.On(caller, readable.BuyerId, readable.SellerId);
        if (readable.AllowRead(actor) is { } refused)
        {
            throw refused.ToException();
        }

        if (record is null)
        {
            throw (order is null
                ? ReviewCommands.UnknownOrder(request.OrderId)
                : Rejection.NotFound($"order {RequestFields.Shown(request.OrderId)} has no review yet")).ToException();
        }

        return ReviewSnapshot.ForCaller(record, actor);
    }

    public override async Task<ReviewEligibility> GetCancelledOrderReviewEligibility(GetCancelledOrderReviewEligibilityRequest request, ServerCallContext context)
    {
        RequestFields.Id("order_id", request.OrderId);
        var caller = context.Caller();
        var known = await store.GetOrderAsync(request.OrderId);
        var order = known ?? ReviewableOrder.OfNobody(request.OrderId); // permission before existence (issue 16)
        var actor = ActingParty.On(caller, order.BuyerId, order.SellerId);
        var isBuyer = actor.Role == PartyRole.Buyer;
        if (!isBuyer && actor.Role is not (PartyRole.Support or PartyRole.Internal))
        {
            throw Rejection.PermissionDenied(
                $"only the buyer of order {order.OrderId}, support and internal callers may ask about its review eligibility; caller is {caller}")
                .ToException();
        }

        if (known is null)
        {
            throw ReviewCommands.UnknownOrder(request.OrderId).ToException();
        }

        if (order.State != OrderState.Cancelled)
        {
            throw Rejection.FailedPrecondition(
                $"order {order.OrderId} is in state '{Names.Of(order.State)}'; eligibility rules apply to cancelled orders").ToException();
        }

        // The seller-account fact is kept with the order, so the answer is the same whoever asks.
        var standing = await store.GetStandingAsync(order);
        var answer = CancelledOrderEligibility.Evaluate(order, standing, await store.GetRecordAsync(order.OrderId), clock.GetUtcNow(), policy);
        return ToMessage(order.OrderId, answer);
    }

    public override Task<Review> SubmitSellerReview(SubmitSellerReviewRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request, Review.Parser, c => ReviewCommands.Viewed(c,
            (c.Record ?? ReviewRecord.For(c.Order)).SubmitSellerReview(c.Actor, request.Rating, request.Text, c.Now)));

    public override Task<Review> PostSellerResponse(PostSellerResponseRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request, Review.Parser, c => ReviewCommands.Viewed(c,
            (c.Record ?? ReviewRecord.For(c.Order)).PostSellerResponse(c.Actor, request.Text, c.Now)));

    [Authorize(Policy = CallerIdentity.Support)]
    public override Task<Review> RemoveSellerResponse(RemoveSellerResponseRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request, Review.Parser, c => ReviewCommands.Viewed(c,
            (c.Record ?? ReviewRecord.For(c.Order)).RemoveSellerResponse(c.Actor, request.Reason, c.Now)));

    [Authorize(Policy = CallerIdentity.Support)]
    public override Task<Review> RemoveReview(RemoveReviewRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request, Review.Parser, c => ReviewCommands.Viewed(c,
            (c.Record ?? ReviewRecord.For(c.Order)).Remove(c.Actor, request.Reason, c.Now)));

    [Authorize(Policy = CallerIdentity.Support)]
    public override Task<ReviewEligibility> RevokeReviewEligibility(RevokeReviewEligibilityRequest request, ServerCallContext context) =>
        commands.RunAsync(context, request.RequestId, request.OrderId, request, ReviewEligibility.Parser, async c =>
        {
            var decision = ReviewRecord.RevokeEligibility(c.Record, c.Order, c.Actor, request.Reason, c.Now);
            var standing = await ReviewStore.ReadStandingAsync(c.Work, c.Order);
            return (decision, next => ToMessage(c.Order.OrderId, CancelledOrderEligibility.Evaluate(c.Order, standing, next, c.Now, policy)));
        });

    private static ReviewEligibility ToMessage(string orderId, EligibilityAnswer answer) => new()
    {
        OrderId = orderId,
        Eligible = answer.Eligible,
        FailedRule = answer.FailedRule,
        Explanation = answer.Explanation,
        WindowEndsAt = answer.WindowEndsAt is { } end ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(end) : null,
    };
}
