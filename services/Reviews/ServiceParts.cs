using Marketplace.Hosting.Configuration;
using Marketplace.Platform;
using Marketplace.Reviews.Api;
using Marketplace.Reviews.Background;
using Marketplace.Reviews.Events;
using Marketplace.Reviews.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Marketplace.Reviews;

/// <summary>The Reviews service's own parts (Program.cs adds them to the platform's service defaults).</summary>
public static class ServiceParts
{
    public static WebApplicationBuilder AddReviews(this WebApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<ReviewsOptions>(ReviewsOptions.Section);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ReviewsOptions>>().Value.Policy);
        builder.Services.AddSingleton<ReviewStore>();
        builder.Services.AddSingleton<ReviewCommands>();
        builder.Services.AddSingleton<WindowOpenings>();
        builder.Services.AddHostedService<PublicationLoop>();
        builder.Services.AddHostedService<WindowEndLoop>();
        builder.AddEventHandlers(handlers => handlers
            .Add<OrderSnapshotHandler>()
            .Add<SellerUnresponsiveHandler>());
        return builder;
    }
}
