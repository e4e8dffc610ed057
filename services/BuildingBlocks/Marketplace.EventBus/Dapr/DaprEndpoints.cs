using System.Text.Json;
using Dapr;
using Marketplace.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Marketplace.EventBus.Dapr;

/// <summary>
/// The app side of Dapr's pub/sub HTTP contract, built with the Dapr SDK: one delivery route
/// per handled topic (<c>POST /events/&lt;topic&gt;</c>) carrying a <c>WithTopic</c> rule per
/// handled event type (<c>event.type == "…"</c>), a default route and the dead-letter topic, so
/// <c>MapSubscribeHandler</c> publishes the same subscriptions the Redis consumer reads.
/// <c>UseCloudEvents</c> unwraps deliveries and forwards the CloudEvent attributes as
/// <c>Cloudevent.&lt;name&gt;</c> headers (id and source make the idempotency key); the sidecar
/// sends the event's trace context as the <c>traceparent</c> header. Routes answer
/// <c>{"status": "SUCCESS" | "RETRY" | "DROP"}</c>. Everything is bound to the HTTP listener
/// (<see cref="Listener.Http"/>: the connection's local port, as the platform binds every endpoint).
/// </summary>
public static class DaprEndpoints
{
    /// <summary>CloudEvent attributes read from the headers <c>UseCloudEvents</c> forwards.</summary>
    private static readonly string[] ForwardedAttributes = ["specversion", "id", "source", "type", "time", "subject", "topic", "tracestate"];

    private const string HeaderPrefix = "Cloudevent.";

    /// <summary>Adds the unwrapping middleware and maps <c>/dapr/subscribe</c> and the delivery routes, all on <paramref name="httpPort"/> only.</summary>
    public static void Map(WebApplication app, int httpPort)
    {
        var context = app.Services.GetRequiredService<EventBusContext>();
        var handlers = app.Services.GetRequiredService<EventHandlerTable>();
        string deadLetterTopic = Names.DeadLetterTopic(context.AppId);

        app.UseWhen(
            http => http.Connection.LocalPort == httpPort && http.Request.Path.StartsWithSegments("/events", StringComparison.Ordinal),
            deliveries => deliveries
                .Use(DropUnreadableAsync)
                .UseCloudEvents(new CloudEventsMiddlewareOptions
                {
                    ForwardCloudEventPropertiesAsHeaders = true,
                    IncludedCloudEventPropertiesAsHeaders = ForwardedAttributes,
                }));

        app.MapSubscribeHandler().OnListener(Listener.Http);

        foreach (string topic in handlers.Topics)
        {
            var route = app.MapPost(Names.DeliveryPath(topic), (HttpContext http, EventDispatcher dispatcher, ILogger<EventDispatcher> logger) =>
                DeliverAsync(topic, http, dispatcher, logger)).OnListener(Listener.Http);
            int priority = 0;
            foreach (string type in handlers.TypesByTopic[topic])
            {
                route.WithTopic(new TopicOptions
                {
                    PubsubName = context.Options.PubSubName,
                    Name = topic,
                    Match = $"event.type == \"{type}\"",
                    Priority = priority++,
                    DeadLetterTopic = deadLetterTopic,
                });
            }

            route.WithTopic(new TopicOptions { PubsubName = context.Options.PubSubName, Name = topic, DeadLetterTopic = deadLetterTopic });
        }
    }

    private static async Task<IResult> DeliverAsync(string topic, HttpContext http, EventDispatcher dispatcher, ILogger logger)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in ForwardedAttributes)
        {
            if (http.Request.Headers.TryGetValue(HeaderPrefix + name, out var value) && value.Count > 0)
            {
                attributes[name] = Unescape(value.ToString());
            }
        }

        // The sidecar carries the event's trace context in the W3C header, not as a forwarded attribute.
        if (http.Request.Headers.TryGetValue("traceparent", out var traceParent) && traceParent.Count > 0)
        {
            attributes["traceparent"] = traceParent.ToString();
        }

        DeliveryResult result;
        try
        {
            var envelope = CloudEvent.FromAttributes(attributes, body.GetBuffer().AsSpan(0, (int)body.Length), http.Request.ContentType);
            result = await dispatcher.DispatchAsync(topic, envelope, "dapr", http.RequestAborted);
        }
        catch (MalformedEventException e)
        {
            result = dispatcher.Malformed(topic, e);
        }

        return Answer(topic, result, logger);
    }

    private static IResult Answer(string topic, DeliveryResult result, ILogger logger)
    {
        switch (result.Status)
        {
            case DeliveryStatus.Drop:
                EventBusTelemetry.DeadLettered.Add(1, EventBusTelemetry.Tags(topic, result.Type));
                logger.LogError("Answering DROP for event {EventId} on {Topic} (the sidecar moves it to the dead-letter topic): {Error}", result.EventId ?? "?", topic, result.Error);
                return Results.Json(new { status = "DROP" });
            case DeliveryStatus.Retry:
                EventBusTelemetry.Retried.Add(1, EventBusTelemetry.Tags(topic, result.Type));
                return Results.Json(new { status = "RETRY" });
            default:
                return Results.Json(new { status = "SUCCESS" });
        }
    }

    /// <summary>A body <c>UseCloudEvents</c> cannot read as JSON can never be handled: DROP it rather than fail with 500 (which the sidecar would retry).</summary>
    private static async Task DropUnreadableAsync(HttpContext http, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (JsonException e) when (!http.Response.HasStarted)
        {
            string topic = http.Request.Path.Value?[(Names.DeliveryPath("").Length)..] ?? "";
            var logger = http.RequestServices.GetRequiredService<ILogger<EventDispatcher>>();
            var result = new DeliveryResult(DeliveryStatus.Drop, "malformed CloudEvent: the body is not JSON: " + e.Message);
            await Answer(topic, result, logger).ExecuteAsync(http);
        }
    }

    /// <summary><c>UseCloudEvents</c> forwards an attribute's raw JSON text without its quotes; undo JSON escapes if there are any.</summary>
    private static string Unescape(string raw) =>
        raw.Contains('\\', StringComparison.Ordinal) ? JsonSerializer.Deserialize<string>("\"" + raw + "\"") ?? raw : raw;
}
