using Marketplace.Platform;
using Microsoft.AspNetCore.Builder;

namespace Marketplace.Messaging;

/// <summary>The Messaging service's parts, added to the platform defaults by Program.cs.</summary>
public static class MessagingService
{
    public static WebApplicationBuilder AddMessaging(this WebApplicationBuilder builder)
    {
        builder.AddPlatform();
        return builder;
    }

    public static WebApplication MapMessaging(this WebApplication app)
    {
        app.MapPlatform();
        return app;
    }
}
