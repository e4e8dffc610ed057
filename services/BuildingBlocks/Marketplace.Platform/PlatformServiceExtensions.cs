using Marketplace.EventBus;
using Marketplace.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Platform;

/// <summary>
/// The parts every platform service has beyond the hosting defaults:
/// <code>builder.AddPlatform(h => h.Add&lt;OrderCompletedHandler&gt;());  ...  app.MapPlatform();</code>
/// </summary>
public static class PlatformServiceExtensions
{
    /// <summary>gRPC layer, caller identity, and the event bus with the platform catalogue and the given handlers.</summary>
    public static WebApplicationBuilder AddPlatform(this WebApplicationBuilder builder, Action<EventHandlerRegistrations>? handlers = null)
    {
        builder.Services.AddGrpcLayer();
        builder.Services.AddSingleton<CallerAuthenticator>();
        builder.AddEventBus(PlatformEvents.Catalogue, handlers);
        return builder;
    }

    /// <summary>gRPC health (from readiness) and reflection on the gRPC port; Dapr endpoints on the HTTP port.</summary>
    public static WebApplication MapPlatform(this WebApplication app)
    {
        app.MapGrpcHealth();
        app.MapGrpcReflection();
        app.MapEventBus();
        return app;
    }
}
