using Marketplace.EventBus.ChildConsumer;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>
/// The Redis consumer handles a batch in lanes by CloudEvent subject: the events of one entity
/// (here: one counter key) one after the other, in stream order, so they never race each other's
/// commit; the lanes of other entities meanwhile.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LaneTests(RedisFixture redis) : IAsyncLifetime
{
    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    [Fact]
    public async Task Events_of_one_subject_in_a_batch_run_one_after_the_other_while_other_subjects_run_meanwhile()
    {
        string a = "lane-a-" + Guid.NewGuid().ToString("N");
        string b = "lane-b-" + Guid.NewGuid().ToString("N");
        await using (var publisher = await TestBus.StartAsync(redis.ConnectionString, "publisher", withHandlers: false))
        {
            // Published before the consumer exists: its first read takes all six in one batch.
            for (int i = 1; i <= 3; i++)
            {
                await TestBus.PublishCountedAsync(publisher, a, i);
                await TestBus.PublishCountedAsync(publisher, b, 10 * i);
            }

            // The publisher's relay moves them from its outbox to the topic: wait for that before it stops.
            await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync(TestCatalogue.CountersTopic) == 6, "the six events are in the topic");
        }

        // Each event stays in the handler long enough for any other event handed over at the same time to join it.
        await using var consumer = await TestBus.StartAsync(redis.ConnectionString, "consumer", new Dictionary<string, string?> { ["Child:DelayMs"] = "300" });
        await TestBus.WaitUntilAsync(async () => await TestBus.EffectsCountAsync(Db) == 6, "the six events were handled");

        Assert.Equal(6, (long)await Db.HashGetAsync(CountedHandler.CounterKey(a), "total"));
        Assert.Equal(60, (long)await Db.HashGetAsync(CountedHandler.CounterKey(b), "total"));
        Assert.Equal(1, InFlight.MostAtOnce(a));
        Assert.Equal(1, InFlight.MostAtOnce(b));
        Assert.True(InFlight.RanTogether(a, b), "the two subjects' lanes ran at the same time");
    }
}
