using Marketplace.Hosting.Configuration;
using Marketplace.Platform;
using Marketplace.Scoring.Api;
using Marketplace.Scoring.Background;
using Marketplace.Scoring.Evaluation;
using Marketplace.Scoring.Events;
using Marketplace.Scoring.Rebuild;
using Marketplace.Scoring.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Marketplace.Scoring;

/// <summary>The Scoring service's own parts (Program.cs adds them to the platform's service defaults).</summary>
public static class ServiceParts
{
    public static WebApplicationBuilder AddScoring(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSectionOptions<ScoringOptions>(ScoringOptions.Section);

        builder.AddEventHandlers(handlers => handlers
            .Add<OrderHandler>()
            .Add<ReviewHandler>()
            .Add<ConversationHandler>()
            .Add<ResponseStatsHandler>());

        services.AddSingleton<PeerGroupStore>();
        services.AddSingleton<SellerStore>();
        services.AddSingleton<ScoreReads>();
        services.AddSingleton<GigReadBatcher>();
        services.AddSingleton<EvaluationHistory>();
        services.AddSingleton<HistoryReads>();
        services.AddSingleton<ChangeExplainer>();
        services.AddSingleton<GigProjection>();
        services.AddSingleton<SellerEvaluator>();
        services.AddSingleton<WhatIfProjector>();
        services.AddSingleton<EvaluationSchedule>();
        services.AddHostedService<SellerEvaluationLoop>();
        services.AddSingleton<DailyEvaluation>(); // also run on demand by RunEvaluation
        services.AddHostedService(sp => sp.GetRequiredService<DailyEvaluation>());
        services.AddSingleton<ScoreRebuilder>();
        services.AddHostedService<RebuildWorker>();
        return builder;
    }
}
