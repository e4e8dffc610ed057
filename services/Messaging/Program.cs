using Marketplace.Hosting;
using Marketplace.Messaging;
using Marketplace.Messaging.Api;
using Marketplace.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(appId: "messaging");   // settings, listeners, telemetry, Redis, identity, gRPC, event bus
builder.AddMessaging();                            // policy options, event handlers, conversation store, commands, unresponsive loop

var app = builder.Build();
app.MapServiceDefaults();                          // /healthz, /readyz, gRPC health + reflection, Dapr endpoints
app.MapGrpcService<MessagingApi>();                // marketplace.messaging.v1.MessagingService

return await app.RunServiceAsync();                // exit 2 on invalid configuration
