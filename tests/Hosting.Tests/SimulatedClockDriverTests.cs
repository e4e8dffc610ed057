using Marketplace.Hosting.Time;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.Hosting.Tests;

/// <summary>
/// The driver's wait for the bus (docs/clock.md, step 3), on a real redis-server with no services: the
/// clock does not settle while an outbox holds an entry, while a consumer group has not read a topic's
/// last entry, or while it has not acknowledged one it read; it settles once each is done. Each wait is
/// observed through the driver's own bus checks (INFO commandstats), not through a sleep.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class SimulatedClockDriverTests(RedisFixture redis)
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_clock_settles_only_once_every_outbox_is_empty_and_every_group_has_read_and_acknowledged_every_entry()
    {
        await redis.FlushAsync();
        var db = redis.Server.Admin.GetDatabase();
        string topic = "clock-test-" + Guid.NewGuid().ToString("N");
        string outbox = topic + ":outbox";
        var driver = new SimulatedClockDriver(redis.Server.Admin, [topic, "clock-test-never-created"], TimeSpan.FromSeconds(60));
        Assert.True(await driver.StartAtAsync(Start));

        // Nothing published yet, no topic: at rest at once, the clock where it was.
        Assert.Equal(Start, (await driver.SettleAsync()).Now);

        // An entry waiting in the outbox, until the relay (here: the test) takes it out.
        var waiting = await db.StreamAddAsync(outbox, "data", "1");
        await SettlesOnlyAfterAsync(driver, () => db.StreamDeleteAsync(outbox, [waiting]));

        // An entry on the topic: not read by the group, then read but not acknowledged (pending), then acknowledged.
        await db.StreamCreateConsumerGroupAsync(topic, "reader", "0-0", createStream: true);
        await db.StreamAddAsync(topic, "data", "2");
        var read = Array.Empty<StreamEntry>();
        await SettlesOnlyAfterAsync(driver,
            async () => read = await db.StreamReadGroupAsync(topic, "reader", "consumer-1", ">", count: 10),
            async () => Assert.Equal(1, await db.StreamAcknowledgeAsync(topic, "reader", Assert.Single(read).Id)));

        Assert.Equal(Start, (await driver.NowAsync())!.Value);
    }

    /// <summary>
    /// Starts a settle and does each of <paramref name="steps"/> in turn once the driver has checked the bus
    /// three more times without returning; the settle must return after the last step, and not before.
    /// </summary>
    private async Task SettlesOnlyAfterAsync(SimulatedClockDriver driver, params Func<Task>[] steps)
    {
        var settle = driver.SettleAsync();
        foreach (var step in steps)
        {
            long checks = await BusChecksAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (await BusChecksAsync() < checks + 3)
            {
                Assert.False(settle.IsCompleted, "the clock settled while the bus was not at rest");
                timeout.Token.ThrowIfCancellationRequested();
            }

            Assert.False(settle.IsCompleted, "the clock settled while the bus was not at rest");
            await step();
        }

        Assert.Equal(Start, (await settle.WaitAsync(TimeSpan.FromSeconds(30))).Now);
    }

    /// <summary>How many times a read-only script has run on the server (the driver's bus check is one).</summary>
    private async Task<long> BusChecksAsync()
    {
        var server = redis.Server.Admin.GetServers().Single();
        var stats = await server.InfoAsync("commandstats");
        return stats.SelectMany(group => group)
            .Where(pair => pair.Key is "cmdstat_evalsha_ro" or "cmdstat_eval_ro")
            .Sum(pair => long.Parse(pair.Value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
