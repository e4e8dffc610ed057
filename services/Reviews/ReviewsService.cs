using Marketplace.Platform;
using Microsoft.AspNetCore.Builder;

namespace Marketplace.Reviews;

/// <summary>The Reviews service's parts, added to the platform defaults by Program.cs.</summary>
public static class ReviewsService
{
    public static WebApplicationBuilder AddReviews(this WebApplicationBuilder builder)
    {
        builder.AddPlatform();
        return builder;
    }

    public static WebApplication MapReviews(this WebApplication app)
    {
        app.MapPlatform();
        return app;
    }
}
