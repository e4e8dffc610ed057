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
/// outgoing gRPC/HTTP and Redis commands, plus the platform's own sources (the event bus links
/// a consumed event's <c>traceparent</c> to its handler); metrics of requests (rate, latency per
/// RPC), the runtime and the platform's meters (events handled / retried / dead-lettered,
/// consumer lag); logs with trace and span ids. Exported over OTLP only when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; otherwise collected by nobody and cheap.
/// </summary>
public static class TelemetryDefaults
{
    /// <summary>Prefix of every ActivitySource and Meter the platform's own code creates.</summary>
    public const string SourcePrefix = "Marketplace.";

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder, string appId)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? appId))
            .WithTracing(tracing => tracing
                .AddSource(SourcePrefix + "*")
                .AddAspNetCoreInstrumentation(options => options.Filter = http => !IsProbe(http.Request.Path))
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRedisInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(SourcePrefix + "*")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    private static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");
}
