using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Marketplace.Hosting;

/// <summary>Which of a service's two listeners an endpoint answers on.</summary>
public enum Listener
{
    /// <summary>HTTP/2 with prior knowledge (h2c): gRPC.</summary>
    Grpc,

    /// <summary>HTTP/1.1: probes (<c>/healthz</c>, <c>/readyz</c>) and the Dapr sidecar's calls.</summary>
    Http,
}

/// <summary>Endpoint metadata: the endpoint answers only on this listener.</summary>
public sealed record ListenerMetadata(Listener Listener);

/// <summary>
/// The two listeners of every service, replacing ASPNETCORE_URLS: gRPC needs HTTP/2 with prior
/// knowledge (no TLS, no upgrade), while Dapr and kubelet probes speak HTTP/1.1. An endpoint is
/// bound to a listener by the local port of the connection (not the Host header, which a
/// Kubernetes Service may rewrite): gRPC methods always, others through <see cref="OnListener"/>.
/// Elsewhere such a request gets 404.
/// </summary>
public static class Listeners
{
    public static IServiceCollection AddListeners(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<PlatformOptions>>((kestrel, platform) =>
        {
            // Kestrel's options are built with the WebApplication, before start-up validation:
            // an invalid Platform section adds no listener here, and validation stops the start.
            if (ServiceRunner.ValidOrNull(platform) is not { } options)
            {
                return;
            }

            kestrel.Listen(options.BindIpAddress, options.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(options.BindIpAddress, options.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.AddServerHeader = false;
        });
        return services;
    }

    /// <summary>Restricts endpoints to one listener.</summary>
    public static TBuilder OnListener<TBuilder>(this TBuilder builder, Listener listener)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ListenerMetadata(listener));

    /// <summary>
    /// Refuses a request whose endpoint belongs to the other listener. <paramref name="isGrpcEndpoint"/>
    /// says which endpoints are gRPC methods (they belong to the gRPC listener without being marked).
    /// </summary>
    public static IApplicationBuilder UseListenerRouting(this IApplicationBuilder app, Func<Endpoint, bool> isGrpcEndpoint)
    {
        // Read per request (IOptions caches the value), not here: the pipeline is built before
        // start-up validation, which reports an invalid Platform section (exit code 2).
        var options = app.ApplicationServices.GetRequiredService<IOptions<PlatformOptions>>();
        return app.Use((context, next) =>
        {
            var platform = options.Value;
            if (context.GetEndpoint() is { } endpoint)
            {
                var wanted = endpoint.Metadata.GetMetadata<ListenerMetadata>()?.Listener
                    ?? (isGrpcEndpoint(endpoint) ? Listener.Grpc : (Listener?)null);
                int port = context.Connection.LocalPort;
                if (wanted is { } listener && port != (listener == Listener.Grpc ? platform.GrpcPort : platform.HttpPort))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }
            }

            return next(context);
        });
    }
}
