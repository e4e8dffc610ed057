using Marketplace.Hosting;
using Marketplace.Orders;

return await MarketplaceService.RunAsync(args, appId: "orders",
    configure: builder => builder.AddOrders(),
    map: app => app.MapOrders());
