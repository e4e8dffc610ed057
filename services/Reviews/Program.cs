using Marketplace.Hosting;
using Marketplace.Reviews;

return await MarketplaceService.RunAsync(args, appId: "reviews",
    configure: builder => builder.AddReviews(),
    map: app => app.MapReviews());
