using Marketplace.Contracts.Messaging.V1;
using Marketplace.Grpc;
using Marketplace.Messaging.Api;
using Marketplace.Messaging.Events;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Messaging;

/// <summary>The Messaging service's parts, added to the platform defaults by Program.cs.</summary>
public static class MessagingService
{
    public static WebApplicationBuilder AddMessaging(this WebApplicationBuilder builder)
    {
        builder.AddPlatform(handlers => handlers
            .AddOrderSnapshots()
            .Add<BuyerReviewSubmittedHandler>());
        var options = MessagingPolicyOptions.Read(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Policy);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<MessagingApi>();
        builder.Services.AddHostedService<UnresponsiveSweep>();
        return builder;
    }

    public static WebApplication MapMessaging(this WebApplication app)
    {
        app.MapPlatform();
        app.MapGrpcService<MessagingApi>(MessagingServiceReflection.Descriptor.Services[0]);
        return app;
    }
}
