using StackExchange.Redis;

namespace Marketplace.Testing;

/// <summary>
/// Waits until the platform's event bus is at rest: every event published so far has been handled
/// by every consumer and nothing waits in an outbox. Every consumer group of every topic has read
/// and acknowledged the stream's last entry, the outboxes are empty, and the streams did not move
/// meanwhile (a handler that committed in between would have left its events in an outbox or on a
/// stream). Topics and outboxes are named by the services' app ids (Redis Streams transport).
/// </summary>
public static class BusSettled
{
    public static readonly IReadOnlyList<string> Apps = ["orders", "reviews", "messaging", "scoring"];

    public static async Task WaitAsync(IDatabase db, string what, TimeSpan? timeout = null)
    {
        try
        {
            await Wait.UntilAsync(() => IsSettledAsync(db), "every event is handled: " + what, timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "; the bus now: " + await DescribeAsync(db), e);
        }
    }

    /// <summary>Each topic's consumer groups (pending, last delivered vs last entry) and each outbox's length, for a failure message.</summary>
    public static async Task<string> DescribeAsync(IDatabase db)
    {
        var parts = new List<string>();
        foreach (var app in Apps)
        {
            parts.Add($"{app}:outbox {await db.StreamLengthAsync(app + ":outbox")}");
            if (await db.KeyExistsAsync(app))
            {
                string last = (string)(await db.StreamInfoAsync(app)).LastGeneratedId!;
                foreach (var group in await db.StreamGroupInfoAsync(app))
                {
                    parts.Add($"{app}@{last} {group.Name}: pending {group.PendingMessageCount}, delivered {group.LastDeliveredId}");
                }
            }
        }

        return string.Join("; ", parts);
    }

    /// <summary>True when the bus is at rest now (see the class summary).</summary>
    public static async Task<bool> IsSettledAsync(IDatabase db)
    {
        var before = await HandledAsync(db);
        if (before is null)
        {
            return false;
        }

        foreach (var app in Apps)
        {
            if (await db.StreamLengthAsync(app + ":outbox") > 0)
            {
                return false;
            }
        }

        return await HandledAsync(db) == before;
    }

    /// <summary>The topics' last entry ids when every consumer group has handled all of them; null while one has not.</summary>
    private static async Task<string?> HandledAsync(IDatabase db)
    {
        var heads = new List<string>();
        foreach (var topic in Apps)
        {
            if (!await db.KeyExistsAsync(topic))
            {
                continue;
            }

            string last = (string)(await db.StreamInfoAsync(topic)).LastGeneratedId!;
            foreach (var group in await db.StreamGroupInfoAsync(topic))
            {
                if (group.PendingMessageCount > 0 || group.LastDeliveredId != last)
                {
                    return null;
                }
            }

            heads.Add(topic + "@" + last);
        }

        return string.Join(' ', heads);
    }
}
