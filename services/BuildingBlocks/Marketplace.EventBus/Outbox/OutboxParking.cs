using System.Text.Json;
using Marketplace.EventBus.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Marketplace.EventBus.Outbox;

/// <summary>
/// Parks an outbox entry that can never be published (the sidecar refused it for good, or its
/// topic key is not a stream): moved to <c>&lt;appid&gt;:outbox.deadletter</c> with the error, in one
/// script with its removal from the outbox, so it is neither lost nor posted again and the entries
/// after it go on. A parking that fails leaves the entry pending (reclaimed later) and is logged;
/// it never stops the others.
/// </summary>
internal static class OutboxParking
{
    public static async Task<bool> ParkAsync(IDatabase database, EventBusContext context, ILogger logger, StreamDelivery entry, string topic, string reason)
    {
        var data = entry.Field("data");
        string parking = Names.OutboxDeadLetterKey(context.AppId);
        long moved;
        try
        {
            moved = (long)await database.ScriptEvaluateAsync(
                OutboxScripts.Park,
                [Names.OutboxKey(context.AppId), parking],
                [Names.RelayGroup, entry.Id, topic, data.IsNull ? RedisValue.EmptyString : data, entry.Field("metadata").IsNull ? "{}" : entry.Field("metadata"), reason]);
        }
        catch (RedisServerException e)
        {
            logger.LogError("Outbox entry {EntryId} ({EventId}) on {Topic} cannot be published ({Reason}) nor parked in {Parking} ({Error}); it stays in the outbox",
                (string)entry.Id!, EventIdOf(data), topic, reason, parking, e.Message);
            return false;
        }

        if (moved == 1)
        {
            EventBusTelemetry.PublishParked.Add(1, new KeyValuePair<string, object?>("topic", topic));
            logger.LogError("Outbox entry {EntryId} ({EventId}) on {Topic} cannot be published; parked in {Parking}: {Error}",
                (string)entry.Id!, EventIdOf(data), topic, parking, reason);
        }

        return moved == 1;
    }

    private static string EventIdOf(RedisValue data)
    {
        try
        {
            using var json = JsonDocument.Parse((byte[])data!);
            return json.RootElement.TryGetProperty("id", out var id) ? id.ToString() : "?";
        }
        catch (Exception e) when (e is JsonException or ArgumentNullException or InvalidCastException)
        {
            return "?";
        }
    }
}
