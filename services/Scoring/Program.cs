using Marketplace.Hosting;
using Marketplace.Platform;
using Marketplace.Scoring;
using Marketplace.Scoring.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(appId: "scoring");  // settings, listeners, telemetry, Redis, identity, gRPC, event bus
builder.AddScoring();                           // Scoring options, event handlers, stores, evaluator, evaluation loops

var app = builder.Build();
app.MapServiceDefaults();                       // /healthz, /readyz, gRPC health + reflection, Dapr endpoints
app.MapGrpcService<ScoringApi>();               // marketplace.scoring.v1.ScoringService

return await app.RunServiceAsync();             // exit 2 on invalid configuration
