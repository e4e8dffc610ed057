using Marketplace.Hosting;
using Marketplace.Orders;
using Marketplace.Orders.Api;
using Marketplace.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(appId: "orders");   // settings, listeners, telemetry, Redis, identity, gRPC, event bus
builder.AddOrders();                            // policy options, order store, commands, timer loop, Messaging marks

var app = builder.Build();
app.MapServiceDefaults();                       // /healthz, /readyz, gRPC health + reflection, Dapr endpoints
app.MapGrpcService<OrdersApi>();                // marketplace.orders.v1.OrdersService

return await app.RunServiceAsync();             // exit 2 on invalid configuration
