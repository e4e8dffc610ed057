using System.Globalization;
using Google.Protobuf;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Reviews.Domain;
using Marketplace.Reviews.Store;
using Names = Marketplace.Reviews.Domain.Names;

namespace Marketplace.Reviews.Api;

/// <summary>
/// marketplace.reviews.v1.ReviewsService. Every call is authenticated from its token; every
/// command runs in one unit of work keyed <c>request:&lt;caller&gt;:&lt;request_id&gt;</c> (a repeat
/// returns the first answer), reads the order and its review record, lets the domain decide,
/// and commits the record, its events and the Gig index together. A refusal writes nothing.
/// </summary>
public sealed class ReviewsApi(
    CallerAuthenticator authenticator, UnitOfWorkExecutor executor, ReviewStore store, ReviewPolicy policy, TimeProvider clock)
{
    private const int DefaultPageSize = 20;
    private const int MaxPageSize = 100;

    public async Task<Review> SubmitBuyerReview(SubmitBuyerReviewRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        return await RunAsync(context, caller, request.RequestId, request.OrderId, Review.Parser, async c =>
        {
            var standing = await store.ReadStandingAsync(c.Work, c.Order, caller.Has(CallerRole.Seller));
            var decision = ReviewRecord.SubmitBuyerReview(c.Record, c.Order, standing, c.Actor, request.Ratings, request.Text, c.Now, policy);
            return (decision, next => ReviewSnapshot.ForCaller(next, c.Actor));
        });
    }

    public async Task<GetGigReviewsResponse> GetGigReviews(GetGigReviewsRequest request, ServerCallContext context)
    {
        await authenticator.AuthenticateAsync(context);
        Require("gig_id", request.GigId);
        var pageSize = request.PageSize switch
        {
            0 => DefaultPageSize,
            < 0 or > MaxPageSize => throw Invalid($"page_size must be 0-{MaxPageSize} (was {request.PageSize})"),
            _ => request.PageSize,
        };
        var offset = 0;
        if (request.PageToken.Length > 0
            && (!int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            throw Invalid("page_token is not a token returned by GetGigReviews");
        }

        var (records, more) = await store.GetGigPageAsync(request.GigId, offset, pageSize);
        var response = new GetGigReviewsResponse
        {
            NextPageToken = more ? (offset + pageSize).ToString(CultureInfo.InvariantCulture) : "",
        };
        response.Reviews.AddRange(records.Select(ReviewSnapshot.ToPublicMessage));
        return response;
    }

    public async Task<Review> GetReview(GetReviewRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        Require("order_id", request.OrderId);
        var record = await store.GetRecordAsync(request.OrderId);
        if (record is null)
        {
            throw await store.GetOrderAsync(request.OrderId) is null
                ? UnknownOrder(request.OrderId)
                : new RpcException(new Status(StatusCode.NotFound, $"order {request.OrderId} has no review yet"));
        }

        var actor = Actors.For(caller, record.BuyerId, record.SellerId);
        if (record.AllowRead(actor) is { } refused)
        {
            throw refused.ToRpcException();
        }

        return ReviewSnapshot.ForCaller(record, actor);
    }

    public async Task<ReviewEligibility> GetCancelledOrderReviewEligibility(GetCancelledOrderReviewEligibilityRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        Require("order_id", request.OrderId);
        var order = await store.GetOrderAsync(request.OrderId) ?? throw UnknownOrder(request.OrderId);
        var actor = Actors.For(caller, order.BuyerId, order.SellerId);
        var isBuyer = actor.Role == PartyRole.Buyer && actor.Id == order.BuyerId;
        if (!isBuyer && actor.Role is not (PartyRole.Support or PartyRole.Internal))
        {
            throw Rejection.PermissionDenied(
                $"only the buyer of order {order.OrderId}, support and internal callers may ask about its review eligibility; caller is {caller}")
                .ToRpcException();
        }

        if (order.State != OrderState.Cancelled)
        {
            throw Rejection.FailedPrecondition(
                $"order {order.OrderId} is in state '{Names.Of(order.State)}'; eligibility rules apply to cancelled orders").ToRpcException();
        }

        // The seller-account fact comes from the buyer's own token; other callers cannot know it.
        var standing = await store.GetStandingAsync(order, isBuyer && caller.Has(CallerRole.Seller));
        var answer = CancelledOrderEligibility.Evaluate(order, standing, await store.GetRecordAsync(order.OrderId), clock.GetUtcNow(), policy);
        return ToMessage(order.OrderId, answer);
    }

    public async Task<Review> SubmitSellerReview(SubmitSellerReviewRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        return await RunAsync(context, caller, request.RequestId, request.OrderId, Review.Parser, c => Viewed(c,
            (c.Record ?? ReviewRecord.For(c.Order)).SubmitSellerReview(c.Actor, request.Rating, request.Text, c.Now)));
    }

    public async Task<Review> PostSellerResponse(PostSellerResponseRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        return await RunAsync(context, caller, request.RequestId, request.OrderId, Review.Parser, c => Viewed(c,
            (c.Record ?? ReviewRecord.For(c.Order)).PostSellerResponse(c.Actor, request.Text, c.Now)));
    }

    public async Task<Review> RemoveSellerResponse(RemoveSellerResponseRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        return await RunAsync(context, caller, request.RequestId, request.OrderId, Review.Parser, c => Viewed(c,
            (c.Record ?? ReviewRecord.For(c.Order)).RemoveSellerResponse(c.Actor, request.Reason, c.Now)));
    }

    public async Task<Review> RemoveReview(RemoveReviewRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        return await RunAsync(context, caller, request.RequestId, request.OrderId, Review.Parser, c => Viewed(c,
            (c.Record ?? ReviewRecord.For(c.Order)).Remove(c.Actor, request.Reason, c.Now)));
    }

    public async Task<ReviewEligibility> RevokeReviewEligibility(RevokeReviewEligibilityRequest request, ServerCallContext context)
    {
        var caller = await authenticator.AuthenticateAsync(context);
        return await RunAsync(context, caller, request.RequestId, request.OrderId, ReviewEligibility.Parser, async c =>
        {
            var decision = ReviewRecord.RevokeEligibility(c.Record, c.Order, c.Actor, request.Reason, c.Now);
            var standing = await store.ReadStandingAsync(c.Work, c.Order, hasActiveSellerAccount: false);
            return (decision, next => ToMessage(c.Order.OrderId, CancelledOrderEligibility.Evaluate(c.Order, standing, next, c.Now, policy)));
        });
    }

    /// <summary>What a command sees: its unit of work, the caller's role for this order, the order and its record.</summary>
    private sealed record Command(UnitOfWork Work, Actor Actor, ReviewableOrder Order, ReviewRecord? Record, DateTimeOffset Now);

    /// <summary>A decision and how to answer the caller once it is committed.</summary>
    private delegate Task<(Decision<ReviewRecord> Decision, Func<ReviewRecord, TResponse> Respond)> Decide<TResponse>(Command command);

    private static Task<(Decision<ReviewRecord>, Func<ReviewRecord, Review>)> Viewed(Command c, Decision<ReviewRecord> decision) =>
        Task.FromResult<(Decision<ReviewRecord>, Func<ReviewRecord, Review>)>((decision, next => ReviewSnapshot.ForCaller(next, c.Actor)));

    /// <summary>
    /// Runs a command once per caller and request id. The stored answer is the response as this
    /// caller saw it (the operation key includes the caller), so a repeat returns it unchanged.
    /// </summary>
    private async Task<TResponse> RunAsync<TResponse>(
        ServerCallContext context, Caller caller, string requestId, string orderId, MessageParser<TResponse> parser, Decide<TResponse> decide)
        where TResponse : IMessage<TResponse>
    {
        Require("request_id", requestId);
        Require("order_id", orderId);
        var outcome = await executor.ExecuteAsync($"request:{caller.Subject}:{requestId}", async (work, _) =>
        {
            var (order, record) = await store.ReadAsync(work, orderId);
            if (order is null)
            {
                throw UnknownOrder(orderId);
            }

            var command = new Command(work, Actors.For(caller, order.BuyerId, order.SellerId), order, record, clock.GetUtcNow());
            var (decision, respond) = await decide(command);
            var next = decision.OrThrow();
            ReviewStore.Write(work, next, decision.Events);
            work.SetResult(respond(next).ToByteArray());
        }, context.CancellationToken);
        return parser.ParseFrom((byte[])outcome.Result!);
    }

    private static ReviewEligibility ToMessage(string orderId, EligibilityAnswer answer) => new()
    {
        OrderId = orderId,
        Eligible = answer.Eligible,
        FailedRule = answer.FailedRule,
        Explanation = answer.Explanation,
        WindowEndsAt = answer.WindowEndsAt is { } end ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(end) : null,
    };

    private static void Require(string field, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid($"{field} must not be empty");
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static RpcException UnknownOrder(string orderId) =>
        new(new Status(StatusCode.NotFound, $"order {orderId} is not known to Reviews (no event of this order has been received yet)"));
}
