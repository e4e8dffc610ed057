using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Marketplace.EventBus.Dapr;

/// <summary>
/// The app side of Dapr's pub/sub HTTP contract: <c>GET /dapr/subscribe</c> lists one
/// subscription per handled topic (derived from the same handler registrations the Redis
/// transport uses), and <c>POST /events/&lt;topic&gt;</c> takes deliveries and answers
/// <c>SUCCESS</c>, <c>RETRY</c> or <c>DROP</c> (the sidecar sends drops to the dead-letter topic).
/// </summary>
public static class DaprEndpoints
{
    /// <summary>Maps the endpoints on routes restricted to <paramref name="host"/> (the HTTP listener).</summary>
    public static void Map(IEndpointRouteBuilder endpoints, string host)
    {
        var context = endpoints.ServiceProvider.GetRequiredService<EventBusContext>();
        var handlers = endpoints.ServiceProvider.GetRequiredService<EventHandlerTable>();
        byte[] subscriptions = SubscriptionsJson(context, handlers);

        endpoints.MapGet("/dapr/subscribe", () => Results.Bytes(subscriptions, "application/json")).RequireHost(host);

        foreach (string topic in handlers.Topics)
        {
            endpoints.MapPost(Names.DeliveryPath(topic), (HttpContext http, EventDispatcher dispatcher, ILogger<EventDispatcher> logger) =>
                DeliverAsync(topic, http, dispatcher, logger)).RequireHost(host);
        }
    }

    /// <summary>The <c>/dapr/subscribe</c> answer: per topic, rules routing each handled type, a default route and the dead-letter topic.</summary>
    public static byte[] SubscriptionsJson(EventBusContext context, EventHandlerTable handlers)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (string topic in handlers.Topics)
            {
                string path = Names.DeliveryPath(topic);
                json.WriteStartObject();
                json.WriteString("pubsubname", context.Options.PubSubName);
                json.WriteString("topic", topic);
                json.WriteStartObject("routes");
                json.WriteStartArray("rules");
                foreach (string type in handlers.TypesByTopic[topic])
                {
                    json.WriteStartObject();
                    json.WriteString("match", $"event.type == \"{type}\"");
                    json.WriteString("path", path);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteString("default", path);
                json.WriteEndObject();
                json.WriteString("deadLetterTopic", Names.DeadLetterTopic(context.AppId));
                json.WriteStartObject("metadata");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return buffer.ToArray();
    }

    private static async Task<IResult> DeliverAsync(string topic, HttpContext http, EventDispatcher dispatcher, ILogger logger)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        var result = await dispatcher.DispatchAsync(topic, body.GetBuffer().AsMemory(0, (int)body.Length), http.RequestAborted);
        if (result.Status == DeliveryStatus.Drop)
        {
            logger.LogError("Answering DROP for a delivery on {Topic} (the sidecar moves it to the dead-letter topic): {Error}", topic, result.Error);
        }

        string status = result.Status switch
        {
            DeliveryStatus.Success => "SUCCESS",
            DeliveryStatus.Retry => "RETRY",
            _ => "DROP",
        };
        return Results.Json(new { status });
    }
}
