using Marketplace.Platform;
using Microsoft.AspNetCore.Builder;

namespace Marketplace.Scoring;

/// <summary>The Scoring service's parts, added to the platform defaults by Program.cs.</summary>
public static class ScoringService
{
    public static WebApplicationBuilder AddScoring(this WebApplicationBuilder builder)
    {
        builder.AddPlatform();
        return builder;
    }

    public static WebApplication MapScoring(this WebApplication app)
    {
        app.MapPlatform();
        return app;
    }
}
