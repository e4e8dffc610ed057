using Marketplace.Hosting;

return await MarketplaceService.RunAsync(args, appId: "messaging",
    configure: _ => { },
    map: _ => { });
