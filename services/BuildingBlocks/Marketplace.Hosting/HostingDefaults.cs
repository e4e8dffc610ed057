using Marketplace.Hosting.Configuration;
using Marketplace.Hosting.Identity;
using Marketplace.Hosting.Telemetry;
using Marketplace.Hosting.Time;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Hosting;

/// <summary>
/// The hosting defaults of every service, below gRPC and the event bus (which
/// <c>Marketplace.Platform</c>'s <c>AddServiceDefaults</c> adds on top): the <c>Platform</c>
/// settings, the two listeners, logging and OpenTelemetry, Redis, health and readiness, caller
/// identity, and graceful shutdown.
/// </summary>
public static class HostingDefaults
{
    /// <summary>Tag of the health checks that decide readiness (<c>/readyz</c>, gRPC health).</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddHostingDefaults(this WebApplicationBuilder builder, string appId)
    {
        var services = builder.Services;
        services.Configure<PlatformOptions>(options => options.AppId = appId);
        services.AddSectionOptions<PlatformOptions>(PlatformOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<PlatformOptions>>().Value);
        services.AddOptions<HostOptions>().Configure<IOptions<PlatformOptions>>((host, platform) =>
        {
            if (ServiceRunner.ValidOrNull(platform) is { } options)
            {
                host.ShutdownTimeout = options.ShutdownTimeout;
            }
        });
        services.AddListeners();

        builder.Logging.Configure(logging => logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (builder.Environment.IsDevelopment())
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        else
        {
            // One JSON object per line, scopes (trace and span ids) included: what log collectors parse.
            builder.Logging.AddJsonConsole(console => console.IncludeScopes = true);
        }

        builder.AddTelemetry(appId);

        services.AddSingleton<RedisConnection>();
        services.AddHostedService<RedisConnector>();
        services.AddSingleton<IConnectionMultiplexer>(sp => sp.GetRequiredService<RedisConnection>().Multiplexer);
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);

        // The platform clock (Platform:Clock, docs/clock.md): the domain reads the time only through
        // TimeProvider. The simulated one is read from Redis before any loop starts or any call is served.
        services.AddSingleton<SimulatedClock>();
        services.TryAddSingleton<TimeProvider>(sp =>
            ServiceRunner.ValidOrNull(sp.GetRequiredService<IOptions<PlatformOptions>>())?.Clock == PlatformClock.Simulated
                ? sp.GetRequiredService<SimulatedClock>()
                : TimeProvider.System);
        services.AddHostedService<SimulatedClockStarter>();

        services.AddCallerIdentity();
        return builder;
    }

    /// <summary>
    /// Authentication and authorization in the pipeline, and <c>/healthz</c> (the process is alive)
    /// and <c>/readyz</c> (its dependencies answer) on the HTTP listener.
    /// </summary>
    public static WebApplication MapHostingDefaults(this WebApplication app, Func<Endpoint, bool> isGrpcEndpoint)
    {
        app.UseListenerRouting(isGrpcEndpoint);
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).OnListener(Listener.Http);
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).OnListener(Listener.Http);
        return app;
    }
}
