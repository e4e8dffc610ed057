using StackExchange.Redis;

namespace Marketplace.Scenario;

/// <summary>
/// Tells when every event published so far has been handled: each app's outbox is relayed, every
/// consumer group has read every entry of its topics and acknowledged it, and Scoring has no
/// seller waiting for re-evaluation. Reads the bus's Redis layout (the EventBus README) with the
/// Streams API, so it works against any running platform.
/// </summary>
public sealed class PlatformProbe(IDatabase redis, IReadOnlyDictionary<string, string[]>? consumers = null)
{
    public static readonly IReadOnlyList<string> Apps = ["orders", "reviews", "messaging", "scoring"];

    /// <summary>The consumer groups (app ids) of each topic in the whole platform.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> PlatformConsumers = new Dictionary<string, string[]>
    {
        ["orders"] = ["messaging", "reviews", "scoring"],
        ["reviews"] = ["messaging", "scoring"],
        ["messaging"] = ["orders", "reviews", "scoring"],
    };

    /// <summary>Scoring's list of sellers to re-evaluate (its README's keys).</summary>
    private const string DirtySellers = "scoring:{dirty-sellers}";

    private readonly IReadOnlyDictionary<string, string[]> _consumers = consumers ?? PlatformConsumers;

    /// <summary>What is still in flight, or an empty list when the platform has caught up.</summary>
    public async Task<IReadOnlyList<string>> BacklogAsync()
    {
        var backlog = new List<string>();
        foreach (var app in Apps)
        {
            long outbox = await redis.StreamLengthAsync($"{app}:outbox");
            if (outbox > 0)
            {
                backlog.Add($"{app}:outbox holds {outbox}");
            }
        }

        foreach (var (topic, expected) in _consumers)
        {
            if (!await redis.KeyExistsAsync(topic))
            {
                backlog.Add($"{topic}: no stream yet (its consumers have not started)");
                continue;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var group in await redis.StreamGroupInfoAsync(topic))
            {
                seen.Add(group.Name);
                long lag = group.Lag ?? await LagFromIdsAsync(topic, group.LastDeliveredId);
                if (group.PendingMessageCount > 0 || lag != 0)
                {
                    backlog.Add($"{topic} group {group.Name}: pending {group.PendingMessageCount}, lag {(lag < 0 ? "unknown" : lag)}");
                }
            }

            backlog.AddRange(expected.Where(app => !seen.Contains(app)).Select(app => $"{topic}: consumer group {app} not created yet"));
        }

        long dirty = await redis.HashLengthAsync(DirtySellers);
        if (dirty > 0)
        {
            backlog.Add($"scoring has {dirty} sellers to re-evaluate");
        }

        return backlog;
    }

    /// <summary>
    /// Redis leaves <c>lag</c> nil when it cannot count (entries deleted or trimmed in between):
    /// then the group is behind exactly when it has not delivered the stream's last entry.
    /// </summary>
    private async Task<long> LagFromIdsAsync(string topic, string? lastDelivered)
    {
        var stream = await redis.StreamInfoAsync(topic);
        return stream.LastGeneratedId == lastDelivered ? 0 : -1;
    }

    /// <summary>
    /// Waits until <see cref="BacklogAsync"/> has been empty twice in a row (a handler may publish
    /// while the first look runs), or throws naming what was still in flight.
    /// </summary>
    public async Task WaitUntilCaughtUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        int quiet = 0;
        IReadOnlyList<string> backlog = [];
        while (DateTime.UtcNow < deadline)
        {
            backlog = await BacklogAsync();
            quiet = backlog.Count == 0 ? quiet + 1 : 0;
            if (quiet == 2)
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException("the platform did not catch up: " + string.Join("; ", backlog));
    }
}
