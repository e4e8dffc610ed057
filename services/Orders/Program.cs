using Marketplace.Hosting;

return await MarketplaceService.RunAsync(args, appId: "orders",
    configure: _ => { },
    map: _ => { });
