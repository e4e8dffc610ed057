using Marketplace.Hosting;

return await MarketplaceService.RunAsync(args, appId: "reviews",
    configure: _ => { },
    map: _ => { });
