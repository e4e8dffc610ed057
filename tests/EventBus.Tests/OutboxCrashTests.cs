using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.Hosting;
using Marketplace.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>A crash between the state write and the relay never loses the event: the restarted service publishes it, once.</summary>
[Collection(RedisCollection.Name)]
public sealed class OutboxCrashTests(RedisFixture redis) : IAsyncLifetime
{
    private const string AppId = "crashy";

    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    /// <summary>Commits state + event the way a command handler does, with no relay running (the service "died" right after).</summary>
    private async Task<CloudEvent> CommitWithoutRelayAsync()
    {
        using var connection = new RedisConnection(Options.Create(new PlatformOptions { AppId = AppId, Redis = redis.ConnectionString }), NullLogger<RedisConnection>.Instance);
        var executor = new UnitOfWorkExecutor(connection, new EventBusContext(AppId, TestCatalogue.Create(), new EventBusOptions()));
        var outcome = await executor.ExecuteAsync("request:r-1", (work, _) =>
        {
            work.HashSet("order:{o-1}", "state", "completed");
            work.Publish(TestCatalogue.Counted, "o-1", new Counted { Key = "completed", Amount = 1 });
            return Task.CompletedTask;
        }, CancellationToken.None);
        return Assert.Single(outcome.Events);
    }

    [Fact]
    public async Task An_event_committed_before_a_crash_is_relayed_when_the_service_restarts()
    {
        var committed = await CommitWithoutRelayAsync();
        Assert.Equal("completed", (string?)await Db.HashGetAsync("order:{o-1}", "state"));
        Assert.Equal(0, await Db.StreamLengthOrZeroAsync(TestCatalogue.CountersTopic));
        Assert.Equal(1, await Db.StreamLengthOrZeroAsync("crashy:outbox"));

        await using var restarted = await TestBus.StartAsync(redis.ConnectionString, AppId);

        await AssertRelayedOnceAndHandledAsync(committed);
    }

    [Fact]
    public async Task An_event_a_relay_read_but_did_not_pass_on_is_reclaimed_and_relayed_once()
    {
        var committed = await CommitWithoutRelayAsync();
        Assert.True(await Db.StreamCreateConsumerGroupAsync("crashy:outbox", Names.RelayGroup, StreamPosition.Beginning));
        var taken = await Db.StreamReadGroupAsync("crashy:outbox", Names.RelayGroup, "relay-that-died", StreamPosition.NewMessages, 10);
        Assert.Single(taken);
        Assert.Equal(1, await TestBus.PendingCountAsync(Db, "crashy:outbox", Names.RelayGroup));

        await using var restarted = await TestBus.StartAsync(redis.ConnectionString, AppId);

        await AssertRelayedOnceAndHandledAsync(committed);
        Assert.Equal(0, await TestBus.PendingCountAsync(Db, "crashy:outbox", Names.RelayGroup));
    }

    private async Task AssertRelayedOnceAndHandledAsync(CloudEvent committed)
    {
        await TestBus.WaitUntilAsync(async () => await TestBus.EffectsCountAsync(Db) == 1, "the relayed event was handled");
        await TestBus.WaitUntilAsync(async () => await Db.StreamLengthOrZeroAsync("crashy:outbox") == 0, "the outbox was emptied");

        var entry = Assert.Single(await TestBus.ReadStreamAsync(Db, TestCatalogue.CountersTopic));
        Assert.Equal(committed.ToJsonBytes(), (byte[])entry["data"]!);
        Assert.Equal(1, (long)await Db.HashGetAsync(CountedHandler.EffectsKey, committed.Id));
    }
}
