using Marketplace.Hosting;

return await MarketplaceService.RunAsync(args, appId: "scoring",
    configure: _ => { },
    map: _ => { });
