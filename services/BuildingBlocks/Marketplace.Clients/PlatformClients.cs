using Grpc.Core;
using Grpc.Net.ClientFactory;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Clients;

/// <summary>The gRPC addresses of the four services.</summary>
public sealed record PlatformTargets(Uri Orders, Uri Reviews, Uri Messaging, Uri Scoring);

/// <summary>
/// Registers the platform's typed clients with Grpc.Net.ClientFactory: one HTTP/2 connection pool
/// per service, a default deadline on every call (<see cref="DefaultDeadlineInterceptor"/>) and
/// retries of UNAVAILABLE for the idempotent methods only (<see cref="RetryPolicies"/>).
/// </summary>
public static class PlatformClients
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddPlatformClients(this IServiceCollection services, PlatformTargets targets, TimeSpan? timeout = null)
    {
        services.AddPlatformClient<OrdersService.OrdersServiceClient>(targets.Orders, timeout);
        services.AddPlatformClient<ReviewsService.ReviewsServiceClient>(targets.Reviews, timeout);
        services.AddPlatformClient<MessagingService.MessagingServiceClient>(targets.Messaging, timeout);
        services.AddPlatformClient<ScoringService.ScoringServiceClient>(targets.Scoring, timeout);
        return services;
    }

    /// <summary>One typed client (generated from protos/) at <paramref name="address"/>.</summary>
    public static IHttpClientBuilder AddPlatformClient<TClient>(this IServiceCollection services, Uri address, TimeSpan? timeout = null)
        where TClient : ClientBase
    {
        var deadline = new DefaultDeadlineInterceptor(timeout ?? DefaultTimeout);
        return services
            .AddGrpcClient<TClient>(options =>
            {
                options.Address = address;
                options.InterceptorRegistrations.Add(new InterceptorRegistration(InterceptorScope.Client, _ => deadline));
            })
            .ConfigureChannel(channel => channel.ServiceConfig = RetryPolicies.For(ServiceOf<TClient>()));
    }

    /// <summary>Call metadata carrying a bearer value (<c>Bearer &lt;JWT&gt;</c>); none when null.</summary>
    public static Metadata Authorization(string? bearer) =>
        bearer is null ? [] : new Metadata { { "authorization", bearer } };

    private static Google.Protobuf.Reflection.ServiceDescriptor ServiceOf<TClient>() => typeof(TClient).DeclaringType?
        .GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?
        .GetValue(null) as Google.Protobuf.Reflection.ServiceDescriptor
        ?? throw new ArgumentException($"{typeof(TClient).Name} is not a client generated from protos/.", nameof(TClient));
}
