using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Marketplace.Hosting.Telemetry;

/// <summary>
/// OpenTelemetry for every service (as eShop's ServiceDefaults): traces of incoming gRPC/HTTP,
/// outgoing gRPC/HTTP and Redis commands, plus the platform's own sources (the event bus makes a
/// consumed event's <c>traceparent</c> the parent of its handler's work); metrics of requests
/// (rate and latency per RPC), the runtime and the platform's meters (events handled / retried /
/// dead-lettered, consumer lag); logs with trace and span ids. All of it is exported over OTLP
/// when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and nothing is collected otherwise: recording
/// spans and measurements nobody exports costs a third of the event bus's throughput
/// (bench/eventbus). A process that wants the data anyway (a test with an in-memory exporter)
/// listens to the same sources with its own provider (<see cref="SourcePrefix"/>).
/// </summary>
public static class TelemetryDefaults
{
    /// <summary>Prefix of every ActivitySource and Meter the platform's own code creates.</summary>
    public const string SourcePrefix = "Marketplace.";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder, string appId)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? appId))
            .WithTracing(tracing => tracing.AddPlatformInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(SourcePrefix + "*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation())
            .UseOtlpExporter();
        return builder;
    }

    /// <summary>The trace sources of a platform process: its own, ASP.NET Core (incoming gRPC), outgoing gRPC and HTTP, Redis.</summary>
    public static TracerProviderBuilder AddPlatformInstrumentation(this TracerProviderBuilder tracing) => tracing
        .AddSource(SourcePrefix + "*")
        .AddAspNetCoreInstrumentation(options => options.Filter = http => !IsProbe(http.Request.Path))
        .AddGrpcClientInstrumentation()
        .AddHttpClientInstrumentation()
        .AddRedisInstrumentation();

    private static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");
}
