using Marketplace.Contracts.Orders.V1;
using Marketplace.Grpc;
using Marketplace.Orders.Api;
using Marketplace.Orders.Store;
using Marketplace.Orders.Timers;
using Marketplace.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Marketplace.Orders;

/// <summary>The Orders service's parts, added to the platform defaults by Program.cs.</summary>
public static class OrdersService
{
    public static WebApplicationBuilder AddOrders(this WebApplicationBuilder builder)
    {
        builder.AddPlatform();
        builder.Services.AddSingleton(OrdersOptions.Read(builder.Configuration));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OrderStore>();
        builder.Services.AddSingleton<OrderCommands>();
        builder.Services.AddSingleton<OrdersApi>();
        builder.Services.AddHostedService<OrderTimerSweeper>();
        return builder;
    }

    public static WebApplication MapOrders(this WebApplication app)
    {
        app.MapPlatform();
        app.MapGrpcService<OrdersApi>(OrdersServiceReflection.Descriptor.Services[0]);
        return app;
    }
}
