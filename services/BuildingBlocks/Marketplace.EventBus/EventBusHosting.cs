using Marketplace.EventBus.Dapr;
using Marketplace.EventBus.Outbox;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Marketplace.EventBus;

/// <summary>The one place a service lists its event handlers.</summary>
public sealed class EventHandlerRegistrations(IServiceCollection services)
{
    /// <summary>Registers the handler of one event type (a singleton).</summary>
    public EventHandlerRegistrations Add<THandler>()
        where THandler : class, IEventHandler
    {
        services.AddSingleton<IEventHandler, THandler>();
        return this;
    }
}

/// <summary>Wires the event bus into a service: <c>builder.AddEventBus(catalogue, h => h.Add&lt;X&gt;())</c>, then <c>app.MapEventBus()</c>.</summary>
public static class EventBusHosting
{
    /// <summary>
    /// Reads and validates the <c>EventBus</c> section (throws <see cref="InvalidConfigurationException"/>
    /// naming each bad key), registers the unit-of-work executor, the dispatcher, the outbox relay
    /// and, with the Redis transport, the stream consumer for the handled topics.
    /// </summary>
    public static WebApplicationBuilder AddEventBus(this WebApplicationBuilder builder, EventCatalogue catalogue, Action<EventHandlerRegistrations>? handlers = null)
    {
        var options = EventBusOptions.Read(builder.Configuration, Environment.GetEnvironmentVariable("DAPR_HTTP_PORT"));
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(catalogue);
        services.TryAddSingleton(sp => new EventBusContext(sp.GetRequiredService<PlatformOptions>().AppId, catalogue, options));
        services.AddSingleton(sp => new EventHandlerTable(catalogue, sp.GetServices<IEventHandler>()));
        services.AddSingleton<UnitOfWorkExecutor>();
        services.AddSingleton<EventDispatcher>();
        handlers?.Invoke(new EventHandlerRegistrations(services));

        if (options.Transport == EventBusTransport.Dapr)
        {
            services.AddSingleton<DaprPublisher>();
            services.AddSingleton<IOutboxTransport, DaprOutboxTransport>();
        }
        else
        {
            services.AddSingleton<IOutboxTransport, RedisOutboxTransport>();
            services.AddHostedService<RedisStreamsConsumer>();
        }

        services.AddHostedService<OutboxRelay>();
        return builder;
    }

    /// <summary>
    /// Maps <c>GET /dapr/subscribe</c> and the delivery routes on the HTTP listener only. They are
    /// mapped with either transport, so a sidecar can deliver to any instance.
    /// </summary>
    public static WebApplication MapEventBus(this WebApplication app)
    {
        var platform = app.Services.GetRequiredService<PlatformOptions>();
        DaprEndpoints.Map(app, $"*:{platform.HttpPort}");
        return app;
    }
}
