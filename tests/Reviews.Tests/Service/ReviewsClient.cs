using Google.Protobuf;
using Google.Protobuf.Reflection;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Testing;

namespace Marketplace.Reviews.Tests.Service;

/// <summary>Calls marketplace.reviews.v1.ReviewsService over real HTTP/2 as one caller (or none).</summary>
public sealed class ReviewsClient(GrpcChannel channel, string? bearer)
{
    private static readonly ServiceDescriptor Service = ReviewsServiceReflection.Descriptor.Services[0];

    public static ReviewsClient As(GrpcChannel channel, string subject, params CallerRole[] roles) =>
        new(channel, TestIdentity.Bearer(subject, roles));

    public static ReviewsClient Anonymous(GrpcChannel channel) => new(channel, null);

    public Task<Review> SubmitBuyerReview(SubmitBuyerReviewRequest r) => Call<SubmitBuyerReviewRequest, Review>("SubmitBuyerReview", r);

    public Task<GetGigReviewsResponse> GetGigReviews(GetGigReviewsRequest r) => Call<GetGigReviewsRequest, GetGigReviewsResponse>("GetGigReviews", r);

    public Task<Review> GetReview(string orderId) => Call<GetReviewRequest, Review>("GetReview", new GetReviewRequest { OrderId = orderId });

    public Task<ReviewEligibility> GetEligibility(string orderId) =>
        Call<GetCancelledOrderReviewEligibilityRequest, ReviewEligibility>("GetCancelledOrderReviewEligibility", new() { OrderId = orderId });

    public Task<Review> SubmitSellerReview(SubmitSellerReviewRequest r) => Call<SubmitSellerReviewRequest, Review>("SubmitSellerReview", r);

    public Task<Review> PostSellerResponse(PostSellerResponseRequest r) => Call<PostSellerResponseRequest, Review>("PostSellerResponse", r);

    public Task<Review> RemoveSellerResponse(RemoveSellerResponseRequest r) => Call<RemoveSellerResponseRequest, Review>("RemoveSellerResponse", r);

    public Task<Review> RemoveReview(RemoveReviewRequest r) => Call<RemoveReviewRequest, Review>("RemoveReview", r);

    public Task<ReviewEligibility> RevokeEligibility(RevokeReviewEligibilityRequest r) =>
        Call<RevokeReviewEligibilityRequest, ReviewEligibility>("RevokeReviewEligibility", r);

    private async Task<TResponse> Call<TRequest, TResponse>(string method, TRequest request)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>, new()
    {
        return await channel.CallAsync<TRequest, TResponse>(Service.FindMethodByName(method), request, bearer);
    }
}
