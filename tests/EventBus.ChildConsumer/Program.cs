using Marketplace.EventBus;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.Hosting;

return await MarketplaceService.RunAsync(
    args,
    "child-consumer",
    builder => builder.AddEventBus(TestCatalogue.Create(), handlers => handlers
        .Add<CountedHandler>()
        .Add<ItemRenamedHandler>()),
    app => app.MapEventBus());
