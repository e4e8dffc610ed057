using Marketplace.Messaging;
using Marketplace.Orders;
using Marketplace.Reviews;
using Marketplace.Scoring;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Platform.Tests;

/// <summary>
/// The four services in-process, each put together as its Program.cs does, with short bus timings; a test may give
/// them a clock of its own (the services read time only through <see cref="TimeProvider"/>).
/// </summary>
internal static class Services
{
    /// <summary>Short redelivery timings so a test never waits long; they never decide a pass or a fail.</summary>
    public static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EventBus:ProcessingTimeoutMs"] = "2000",
            ["EventBus:RedeliverIntervalMs"] = "200",
            ["EventBus:ReadTimeoutMs"] = "200",
            ["Scoring:SellerEvaluationPollMs"] = "20",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public static Task<ServiceHost> OrdersAsync(string redis, IReadOnlyDictionary<string, string?>? extra = null, TimeProvider? clock = null) =>
        ServiceHost.StartAsync("orders", redis, b => UseClock(b.AddOrders(), clock), a => a.MapGrpcService<Orders.Api.OrdersApi>(), Settings(extra));

    public static Task<ServiceHost> ReviewsAsync(string redis, IReadOnlyDictionary<string, string?>? extra = null, TimeProvider? clock = null) =>
        ServiceHost.StartAsync("reviews", redis, b => UseClock(b.AddReviews(), clock), a => a.MapGrpcService<Reviews.Api.ReviewsApi>(), Settings(extra));

    public static Task<ServiceHost> MessagingAsync(string redis, IReadOnlyDictionary<string, string?>? extra = null, TimeProvider? clock = null) =>
        ServiceHost.StartAsync("messaging", redis, b => UseClock(b.AddMessaging(), clock), a => a.MapGrpcService<Messaging.Api.MessagingApi>(), Settings(extra));

    public static Task<ServiceHost> ScoringAsync(string redis, IReadOnlyDictionary<string, string?>? extra = null, TimeProvider? clock = null) =>
        ServiceHost.StartAsync("scoring", redis, b => UseClock(b.AddScoring(), clock), a => a.MapGrpcService<Scoring.Api.ScoringApi>(), Settings(extra));

    /// <summary>Replaces the system clock of a service with <paramref name="clock"/>, when given.</summary>
    private static void UseClock(WebApplicationBuilder builder, TimeProvider? clock)
    {
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }
    }
}
