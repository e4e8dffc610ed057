using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>Starts services with the event bus on the test Redis, publishes test events, waits for effects.</summary>
internal static class TestBus
{
    /// <summary>Short timeouts so redelivery happens within a test; they never decide a pass or a fail.</summary>
    public static Dictionary<string, string?> FastSettings() => new()
    {
        ["EventBus:ProcessingTimeoutMs"] = "1000",
        ["EventBus:RedeliverIntervalMs"] = "200",
        ["EventBus:ReadTimeoutMs"] = "200",
        ["EventBus:MaxAttempts"] = "3",
    };

    public static Task<BusHost> StartAsync(string redis, string appId, IDictionary<string, string?>? settings = null, bool withHandlers = true)
    {
        var all = FastSettings();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return BusHost.StartAsync(
            appId,
            redis,
            builder => builder.AddEventBus(TestCatalogue.Create(), handlers =>
            {
                if (withHandlers)
                {
                    handlers.Add<CountedHandler>().Add<ItemRenamedHandler>();
                }
            }),
            app => app.MapEventBus(),
            all);
    }

    /// <summary>Publishes one Counted event through a unit of work (outbox, then relay).</summary>
    public static async Task<CloudEvent> PublishCountedAsync(BusHost host, string key, long amount)
    {
        var executor = host.Services.GetRequiredService<UnitOfWorkExecutor>();
        var outcome = await executor.ExecuteAsync(null, (work, _) =>
        {
            work.Publish(TestCatalogue.Counted, key, new Counted { Key = key, Amount = amount });
            return Task.CompletedTask;
        }, CancellationToken.None);
        return Assert.Single(outcome.Events);
    }

    public static async Task<long> EffectsCountAsync(IDatabase db) => await db.HashLengthAsync(CountedHandler.EffectsKey);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after a generous timeout naming what was awaited.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting until " + what);
            }

            await Task.Delay(50);
        }
    }

    /// <summary>All entries of a stream, oldest first.</summary>
    public static async Task<StreamEntry[]> ReadStreamAsync(IDatabase db, string stream) => await db.StreamRangeAsync(stream);

    /// <summary>Entries delivered to <paramref name="group"/> and not acknowledged; -1 while the group does not exist yet.</summary>
    public static async Task<long> PendingCountAsync(IDatabase db, string stream, string group)
    {
        try
        {
            return (await db.StreamPendingAsync(stream, group)).PendingMessageCount;
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            return -1;
        }
    }
}
