using Marketplace.Contracts.Reviews.V1;
using Marketplace.Grpc;
using Marketplace.Platform;
using Marketplace.Reviews.Api;
using Marketplace.Reviews.Events;
using Marketplace.Reviews.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Reviews;

/// <summary>The Reviews service's parts, added to the platform defaults by Program.cs.</summary>
public static class ReviewsService
{
    public static WebApplicationBuilder AddReviews(this WebApplicationBuilder builder)
    {
        builder.AddPlatform(handlers => handlers
            .AddOrderSnapshots()
            .Add<SellerUnresponsiveHandler>());
        var options = ReviewsOptions.Read(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Policy);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ReviewStore>();
        builder.Services.AddSingleton<ReviewsApi>();
        builder.Services.AddHostedService<PublicationSweep>();
        return builder;
    }

    public static WebApplication MapReviews(this WebApplication app)
    {
        app.MapPlatform();
        app.MapGrpcService<ReviewsApi>(ReviewsServiceReflection.Descriptor.Services[0]);
        return app;
    }
}
