using Marketplace.EventBus;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.Hosting;
using Microsoft.Extensions.Options;

try
{
    return await MarketplaceService.RunAsync(
        args,
        "child-consumer",
        builder => builder.AddEventBus(TestCatalogue.Create(), handlers => handlers
            .Add<CountedHandler>()
            .Add<ItemRenamedHandler>()),
        app => app.MapEventBus());
}
catch (OptionsValidationException e)
{
    // What Marketplace.Hosting should do for every service once settings are validated on start.
    await Console.Error.WriteLineAsync("child-consumer: refusing to start, the configuration is invalid:");
    foreach (string failure in e.Failures)
    {
        await Console.Error.WriteLineAsync($"  - {failure}");
    }

    return 2;
}
