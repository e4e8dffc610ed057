using Marketplace.Hosting.Configuration;
using Marketplace.Messaging.Api;
using Marketplace.Messaging.Background;
using Marketplace.Messaging.Events;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Marketplace.Messaging;

/// <summary>The Messaging service's own parts (Program.cs adds them to the platform's service defaults).</summary>
public static class ServiceParts
{
    public static WebApplicationBuilder AddMessaging(this WebApplicationBuilder builder)
    {
        builder.Services.AddSectionOptions<MessagingOptions>(MessagingOptions.Section);
        builder.AddEventHandlers(handlers => handlers
            .Add<OrderSnapshotHandler>()
            .Add<ReviewWindowOpenedHandler>()
            .Add<ReviewWindowClosedHandler>());
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<MessagingOptions>>().Value.BuildScreen());
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<ResponseStatsStore>();
        builder.Services.AddSingleton<ConversationCommands>();
        builder.Services.AddHostedService<UnresponsiveLoop>();
        builder.Services.AddHostedService<ResponseStatsLoop>();
        return builder;
    }
}
