using Marketplace.Platform;
using Microsoft.AspNetCore.Builder;

namespace Marketplace.Orders;

/// <summary>The Orders service's parts, added to the platform defaults by Program.cs.</summary>
public static class OrdersService
{
    public static WebApplicationBuilder AddOrders(this WebApplicationBuilder builder)
    {
        builder.AddPlatform();
        return builder;
    }

    public static WebApplication MapOrders(this WebApplication app)
    {
        app.MapPlatform();
        return app;
    }
}
