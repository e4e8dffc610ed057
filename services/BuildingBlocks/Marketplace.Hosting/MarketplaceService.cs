using Marketplace.Hosting.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Marketplace.Hosting;

/// <summary>
/// Builds and runs one service with the platform's defaults, so that a service's
/// <c>Program.cs</c> only names its own parts:
/// <code>return await MarketplaceService.RunAsync(args, "orders", b => b.AddOrders(), a => a.MapOrders());</code>
/// </summary>
public static class MarketplaceService
{
    /// <summary>Tag of the health checks that decide readiness (<c>/readyz</c>, gRPC health).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Runs the service until SIGTERM/SIGINT. Returns 0 after a graceful stop and 2 when the
    /// configuration is invalid (each problem is printed with its key).
    /// </summary>
    public static async Task<int> RunAsync(
        string[] args,
        string appId,
        Action<WebApplicationBuilder> configure,
        Action<WebApplication> map)
    {
        WebApplication app;
        try
        {
            app = Build(args, appId, configure, map);
        }
        catch (InvalidConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"{appId}: refusing to start, the configuration is invalid:");
            foreach (string problem in e.Problems)
            {
                await Console.Error.WriteLineAsync($"  - {problem}");
            }

            return 2;
        }

        await app.RunAsync();
        return 0;
    }

    /// <summary>
    /// Builds the service. <paramref name="overrides"/> are applied last (tests use them to
    /// point a service at their Redis and free ports).
    /// </summary>
    public static WebApplication Build(
        string[] args,
        string appId,
        Action<WebApplicationBuilder> configure,
        Action<WebApplication> map,
        IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.AddServiceDefaults(appId);
        configure(builder);

        var app = builder.Build();
        app.MapServiceDefaults();
        map(app);
        return app;
    }

    /// <summary>Registers configuration, listeners, Redis, health checks and shutdown behaviour.</summary>
    public static PlatformOptions AddServiceDefaults(this WebApplicationBuilder builder, string appId)
    {
        var options = ReadAll(builder.Configuration, appId, out var identity);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton<TokenService>();

        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });

        // Explicit listeners replace ASPNETCORE_URLS: gRPC needs HTTP/2 with prior knowledge
        // (no TLS, no upgrade), and Dapr and kubelet probes speak HTTP/1.1.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.BindAddress, options.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(options.BindAddress, options.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.AddServerHeader = false;
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);

        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddHealthChecks()
            .AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);

        return options;
    }

    /// <summary>Reads every shared section and reports all their problems at once.</summary>
    private static PlatformOptions ReadAll(IConfiguration configuration, string appId, out IdentityOptions identity)
    {
        var problems = new List<string>();
        PlatformOptions? platform = null;
        IdentityOptions? readIdentity = null;
        try
        {
            platform = PlatformOptions.Read(configuration, appId);
        }
        catch (InvalidConfigurationException e)
        {
            problems.AddRange(e.Problems);
        }

        try
        {
            readIdentity = IdentityOptions.Read(configuration);
        }
        catch (InvalidConfigurationException e)
        {
            problems.AddRange(e.Problems);
        }

        if (problems.Count > 0)
        {
            throw new InvalidConfigurationException(problems);
        }

        identity = readIdentity!;
        return platform!;
    }

    /// <summary>Maps <c>/healthz</c> (the process is alive) and <c>/readyz</c> (its dependencies answer) on the HTTP port.</summary>
    public static WebApplication MapServiceDefaults(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<PlatformOptions>();
        string httpHost = $"*:{options.HttpPort}";

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false })
            .RequireHost(httpHost);
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).RequireHost(httpHost);

        return app;
    }
}
