using Marketplace.Hosting;
using Marketplace.Platform;
using Marketplace.Reviews;
using Marketplace.Reviews.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(appId: "reviews");  // settings, listeners, telemetry, Redis, identity, gRPC, event bus
builder.AddReviews();                           // review windows, store, commands, publication + window-end loops, order + messaging handlers

var app = builder.Build();
app.MapServiceDefaults();                       // /healthz, /readyz, gRPC health + reflection, Dapr endpoints
app.MapGrpcService<ReviewsApi>();               // marketplace.reviews.v1.ReviewsService

return await app.RunServiceAsync();             // exit 2 on invalid configuration
