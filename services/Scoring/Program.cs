using Marketplace.Hosting;
using Marketplace.Scoring;

return await MarketplaceService.RunAsync(args, appId: "scoring",
    configure: builder => builder.AddScoring(),
    map: app => app.MapScoring());
