using Marketplace.Contracts.Scoring.V1;
using Marketplace.Grpc;
using Marketplace.Platform;
using Marketplace.Scoring.Api;
using Marketplace.Scoring.Evaluation;
using Marketplace.Scoring.Events;
using Marketplace.Scoring.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Scoring;

/// <summary>The Scoring service's parts, added to the platform defaults by Program.cs.</summary>
public static class ScoringService
{
    public static WebApplicationBuilder AddScoring(this WebApplicationBuilder builder)
    {
        builder.AddPlatform(handlers => handlers
            .AddOrderHandlers()
            .AddReviewHandlers()
            .AddConversationHandlers());
        var options = ScoringOptions.Read(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PeerGroupStore>();
        builder.Services.AddSingleton<SellerStore>();
        builder.Services.AddSingleton<GigProjection>();
        builder.Services.AddSingleton<SellerEvaluator>();
        builder.Services.AddSingleton<WhatIfProjector>();
        builder.Services.AddSingleton<SellerEvaluationLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SellerEvaluationLoop>());
        builder.Services.AddSingleton<DailyEvaluation>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DailyEvaluation>());
        builder.Services.AddSingleton<ScoringApi>();
        return builder;
    }

    public static WebApplication MapScoring(this WebApplication app)
    {
        app.MapPlatform();
        app.MapGrpcService<ScoringApi>(ScoringServiceReflection.Descriptor.Services[0]);
        return app;
    }
}
