using Marketplace.Hosting.Configuration;
using Marketplace.Orders.Api;
using Marketplace.Orders.Background;
using Marketplace.Orders.Events;
using Marketplace.Orders.Store;
using Marketplace.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Orders;

/// <summary>The Orders service's own parts (Program.cs adds them to the platform's service defaults).</summary>
public static class ServiceParts
{
    public static WebApplicationBuilder AddOrders(this WebApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<OrdersOptions>(OrdersOptions.Section);
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddSingleton<OrderCommands>();
        builder.Services.AddHostedService<OrderTimerLoop>();
        builder.AddEventHandlers(handlers => handlers.Add<BuyerUnresponsiveHandler>().Add<BuyerAnsweredHandler>());
        return builder;
    }
}
