using Google.Protobuf;
using Google.Protobuf.Reflection;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Grpc;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;

namespace Marketplace.Scenario;

/// <summary>The gRPC addresses of the four services.</summary>
public sealed record PlatformTargets(Uri Orders, Uri Reviews, Uri Messaging, Uri Scoring);

/// <summary>
/// One gRPC channel per service and bearer tokens signed with the platform's key: what a back
/// end calling the platform holds. Calls carry a deadline; statuses surface as <see cref="RpcException"/>.
/// </summary>
public sealed class PlatformClient : IDisposable
{
    private static readonly ServiceDescriptor OrdersService = OrdersServiceReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor ReviewsService = ReviewsServiceReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor MessagingService = MessagingServiceReflection.Descriptor.Services[0];
    private static readonly ServiceDescriptor ScoringService = ScoringServiceReflection.Descriptor.Services[0];

    private readonly GrpcChannel _orders;
    private readonly GrpcChannel _reviews;
    private readonly GrpcChannel _messaging;
    private readonly GrpcChannel _scoring;
    private readonly TokenService _tokens;

    public PlatformClient(PlatformTargets targets, string signingKey)
    {
        _orders = GrpcChannel.ForAddress(targets.Orders);
        _reviews = GrpcChannel.ForAddress(targets.Reviews);
        _messaging = GrpcChannel.ForAddress(targets.Messaging);
        _scoring = GrpcChannel.ForAddress(targets.Scoring);
        _tokens = new TokenService(new IdentityOptions { SigningKey = System.Text.Encoding.UTF8.GetBytes(signingKey) });
    }

    /// <summary>A bearer value for the <c>authorization</c> metadata of a call.</summary>
    public string Bearer(string subject, params CallerRole[] roles) => "Bearer " + _tokens.Mint(subject, roles, TimeSpan.FromHours(1));

    public Task<TResponse> OrdersAsync<TRequest, TResponse>(string rpc, TRequest request, string? bearer)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> => CallAsync<TRequest, TResponse>(_orders, OrdersService, rpc, request, bearer);

    public Task<TResponse> ReviewsAsync<TRequest, TResponse>(string rpc, TRequest request, string? bearer)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> => CallAsync<TRequest, TResponse>(_reviews, ReviewsService, rpc, request, bearer);

    public Task<TResponse> MessagingAsync<TRequest, TResponse>(string rpc, TRequest request, string? bearer)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> => CallAsync<TRequest, TResponse>(_messaging, MessagingService, rpc, request, bearer);

    public Task<TResponse> ScoringAsync<TRequest, TResponse>(string rpc, TRequest request, string? bearer)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> => CallAsync<TRequest, TResponse>(_scoring, ScoringService, rpc, request, bearer);

    private static async Task<TResponse> CallAsync<TRequest, TResponse>(GrpcChannel channel, ServiceDescriptor service, string rpc, TRequest request, string? bearer)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        var method = service.FindMethodByName(rpc) ?? throw new ArgumentException($"{service.FullName} has no rpc {rpc}", nameof(rpc));
        return await channel.CallAsync<TRequest, TResponse>(method, request, bearer);
    }

    public void Dispose()
    {
        _orders.Dispose();
        _reviews.Dispose();
        _messaging.Dispose();
        _scoring.Dispose();
    }
}
