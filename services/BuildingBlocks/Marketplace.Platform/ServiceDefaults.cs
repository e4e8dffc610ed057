using Grpc.AspNetCore.Server;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Platform.Grpc;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Marketplace.Platform;

/// <summary>
/// What every platform service has besides its own parts, so that its <c>Program.cs</c> reads:
/// <code>
/// var builder = WebApplication.CreateBuilder(args);
/// builder.AddServiceDefaults("orders");
/// builder.AddOrders();
/// var app = builder.Build();
/// app.MapServiceDefaults();
/// app.MapGrpcService&lt;OrdersApi&gt;();
/// return await app.RunServiceAsync();
/// </code>
/// </summary>
public static class ServiceDefaults
{
    /// <summary>
    /// The hosting defaults (settings, listeners, telemetry, Redis, health, identity), gRPC on
    /// Grpc.AspNetCore with the status interceptor, gRPC health (from readiness) and reflection,
    /// the event bus with the platform catalogue, and the idempotent command runner.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string appId)
    {
        builder.AddHostingDefaults(appId);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StatusInterceptor>(); // stateless: one instance, not one activation per call
        services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<StatusInterceptor>();
            grpc.EnableDetailedErrors = false;
        });
        services.AddParseFailureAsInternal(); // a request that does not parse: INTERNAL, not UNKNOWN
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(health =>
        {
            health.Services.Map("", check => check.Tags.Contains(HostingDefaults.ReadyTag));
            health.UseHealthChecksCache = false; // Check answers from a fresh readiness check
        });
        services.Configure<HealthCheckPublisherOptions>(publisher =>
        {
            publisher.Delay = TimeSpan.Zero;
            publisher.Period = TimeSpan.FromSeconds(5); // how often Watch streams learn of a change
        });
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        services.AddSingleton<IdempotentCommands>();
        builder.AddEventBus(PlatformEvents.Catalogue);
        return builder;
    }

    /// <summary>Registers a service's event handlers (the one place it lists them).</summary>
    public static WebApplicationBuilder AddEventHandlers(this WebApplicationBuilder builder, Action<EventHandlerRegistrations> handlers)
    {
        handlers(new EventHandlerRegistrations(builder.Services));
        return builder;
    }

    /// <summary>
    /// Authentication and authorization, <c>/healthz</c> and <c>/readyz</c> and the Dapr endpoints
    /// on the HTTP listener; gRPC health and reflection on the gRPC listener.
    /// </summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        app.MapHostingDefaults(endpoint => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is not null);
        app.UseGrpcFrameHeaderCheck(); // a malformed frame header: INTERNAL, not UNKNOWN
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();

        // Mapping the bus's routes reads its settings and the Platform ones, before start-up
        // validation. When a setting is invalid the service does not start (RunServiceAsync lists
        // every problem and exits with code 2), so the routes are left out instead of failing here
        // with an unhandled exception.
        if (SettingsAreValid(app))
        {
            app.MapEventBus();
        }

        return app;
    }

    private static bool SettingsAreValid(WebApplication app)
    {
        try
        {
            app.ValidateSettings();
            return true;
        }
        catch (Exception e) when (ServiceRunner.ConfigurationProblems(e).Count > 0)
        {
            return false;
        }
    }
}
