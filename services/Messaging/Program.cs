using Marketplace.Hosting;
using Marketplace.Messaging;

return await MarketplaceService.RunAsync(args, appId: "messaging",
    configure: builder => builder.AddMessaging(),
    map: app => app.MapMessaging());
