using Grpc.Core;
using Marketplace.Clients;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;

namespace Marketplace.Scenario;

/// <summary>
/// What a back end calling the platform holds: the four services' generated typed clients, built
/// through the client factory (a deadline on every call, retries of UNAVAILABLE only for the RPCs
/// the contract declares idempotent), and bearer tokens signed with the platform's key. Statuses
/// surface as <see cref="RpcException"/>.
/// </summary>
public sealed class PlatformClient(PlatformTargets targets, string signingKey, TimeSpan? timeout = null) : IDisposable
{
    private readonly TypedClients _clients = TypedClients.For(targets, timeout);
    private readonly TokenIssuer _tokens = new(signingKey);

    public OrdersService.OrdersServiceClient Orders => _clients.Get<OrdersService.OrdersServiceClient>();

    public ReviewsService.ReviewsServiceClient Reviews => _clients.Get<ReviewsService.ReviewsServiceClient>();

    public MessagingService.MessagingServiceClient Messaging => _clients.Get<MessagingService.MessagingServiceClient>();

    public ScoringService.ScoringServiceClient Scoring => _clients.Get<ScoringService.ScoringServiceClient>();

    /// <summary>A bearer value for the <c>authorization</c> metadata of a call: <c>Bearer &lt;JWT&gt;</c>, valid for an hour.</summary>
    public string Bearer(string subject, params CallerRole[] roles) => _tokens.Bearer(subject, roles);

    /// <summary>Call metadata carrying <paramref name="bearer"/> (none when null).</summary>
    public static Metadata As(string? bearer) => PlatformClients.Authorization(bearer);

    public void Dispose() => _clients.Dispose();
}
