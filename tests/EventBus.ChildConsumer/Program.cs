using Marketplace.EventBus;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.Hosting;
using Microsoft.AspNetCore.Builder;

// A small app with the event bus alone (the hosting defaults, not the platform's, whose bus has
// the platform catalogue): EventBus.Tests runs it as a child process to SIGKILL it mid-batch.
var builder = WebApplication.CreateBuilder(args);
builder.AddHostingDefaults("child-consumer");
builder.AddEventBus(TestCatalogue.Create(), handlers => handlers
    .Add<CountedHandler>()
    .Add<ItemRenamedHandler>());

var app = builder.Build();
app.MapHostingDefaults(_ => false);
app.MapEventBus();
return await app.RunServiceAsync();
