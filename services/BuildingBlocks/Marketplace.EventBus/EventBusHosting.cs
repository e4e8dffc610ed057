using Marketplace.EventBus.Dapr;
using Marketplace.EventBus.Outbox;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Marketplace.EventBus;

/// <summary>The one place a service lists its event handlers.</summary>
public sealed class EventHandlerRegistrations(IServiceCollection services)
{
    /// <summary>
    /// Registers a handler (a singleton): an <see cref="EventHandler{TPayload}"/> for one type, a
    /// <see cref="SnapshotEventHandler{TSnapshot}"/> for every type of a topic that carries a
    /// snapshot, or any <see cref="IEventHandler"/> that picks its types from the catalogue.
    /// </summary>
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
    /// Binds the <c>EventBus</c> section to <see cref="EventBusOptions"/> (validated at start-up by
    /// <see cref="EventBusOptionsValidator"/>: a bad value stops the host with an
    /// <see cref="OptionsValidationException"/> whose failures name each key), and registers the
    /// unit-of-work executor, the dispatcher, the outbox relay, the Dapr client and the Redis
    /// stream consumer. <c>EventBus:Transport</c> decides at start which transport relays the
    /// outbox and whether the Redis consumer reads; both share the outbox and the handlers.
    /// </summary>
    public static WebApplicationBuilder AddEventBus(this WebApplicationBuilder builder, EventCatalogue catalogue, Action<EventHandlerRegistrations>? handlers = null)
    {
        var services = builder.Services;
        services.AddEventBusOptions();

        services.AddSingleton(catalogue);
        // An event's time is the domain's time (Platform:Clock, docs/clock.md), like every time in its payload.
        services.TryAddSingleton(sp => new EventBusContext(sp.GetRequiredService<PlatformOptions>().AppId, catalogue, sp.GetRequiredService<EventBusOptions>())
        {
            Clock = sp.GetService<TimeProvider>() ?? TimeProvider.System,
        });
        services.AddSingleton(sp => new EventHandlerTable(catalogue, sp.GetServices<IEventHandler>()));
        services.AddSingleton<UnitOfWorkExecutor>();
        services.AddSingleton<EventDispatcher>();
        handlers?.Invoke(new EventHandlerRegistrations(services));

        // The SDK finds the sidecar from DAPR_GRPC_ENDPOINT / DAPR_GRPC_PORT (configuration first,
        // then the environment) and sends DAPR_API_TOKEN; it connects only when first used.
        services.AddDaprClient();
        services.AddSingleton<DaprOutboxTransport>();
        services.AddSingleton<RedisOutboxTransport>();
        services.AddSingleton<IOutboxTransport>(sp => sp.GetRequiredService<EventBusOptions>().Transport == EventBusTransport.Dapr
            ? sp.GetRequiredService<DaprOutboxTransport>()
            : sp.GetRequiredService<RedisOutboxTransport>());
        services.AddHostedService<RedisStreamsConsumer>();
        services.AddHostedService<OutboxRelay>();
        return builder;
    }

    /// <summary>
    /// Binds <see cref="EventBusOptions"/> to the <c>EventBus</c> section, validated at start-up
    /// (<see cref="EventBusOptionsValidator"/>), and registers the validated value as a singleton.
    /// </summary>
    public static IServiceCollection AddEventBusOptions(this IServiceCollection services)
    {
        services.AddOptions<EventBusOptions>().BindConfiguration(EventBusOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventBusOptions>, EventBusOptionsValidator>());
        services.AddSingleton<IValidateOptions<EventBusOptions>>(sp =>
            new Hosting.Configuration.UnboundSettings<EventBusOptions>(EventBusOptions.Section, sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()));
        services.AddSingleton<IOptionsFactory<EventBusOptions>, EventBusOptionsFactory>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<EventBusOptions>>().Value);
        return services;
    }

    /// <summary>
    /// Adds Dapr's CloudEvents middleware and maps <c>GET /dapr/subscribe</c> and the delivery
    /// routes, on the HTTP listener only (the host's listener routing enforces it). They are mapped
    /// with either transport, so a sidecar can deliver to any instance. Building the routes needs
    /// the settings and the handlers; when a setting is invalid nothing is mapped and the host's
    /// start-up validation reports every problem (so the service exits 2 naming the keys instead
    /// of failing here).
    /// </summary>
    public static WebApplication MapEventBus(this WebApplication app)
    {
        var platform = app.Services.GetRequiredService<PlatformOptions>();
        try
        {
            _ = app.Services.GetRequiredService<EventBusContext>();
            _ = app.Services.GetRequiredService<EventHandlerTable>();
        }
        catch (OptionsValidationException)
        {
            return app; // ValidateOnStart throws the same problems when the host starts.
        }

        DaprEndpoints.Map(app, platform.HttpPort);
        return app;
    }
}
