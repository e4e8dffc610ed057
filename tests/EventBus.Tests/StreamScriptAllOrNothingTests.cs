using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.Outbox;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting;
using Marketplace.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>
/// The bus's stream scripts (relay, dead letter, parking, ack-and-delete) acknowledge an entry
/// and then write it elsewhere. Redis does not roll back a script that fails midway, so a
/// destination of the wrong type must be found before the first write: otherwise the entry is
/// acknowledged and never written, lost. Each test makes the last write fail and finds nothing changed.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class StreamScriptAllOrNothingTests(RedisFixture redis) : IAsyncLifetime
{
    private const string AppId = "relayer";
    private static readonly string Outbox = Names.OutboxKey(AppId);

    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    /// <summary>Outbox entries (topic, data) read by a relay and pending, as the relay hands them to its transport.</summary>
    private async Task<StreamEntry[]> PendingOutboxAsync(params string[] topics)
    {
        await Db.StreamCreateConsumerGroupAsync(Outbox, Names.RelayGroup, StreamPosition.Beginning, createStream: true);
        foreach (var (topic, i) in topics.Select((t, i) => (t, i)))
        {
            await Db.StreamAddAsync(Outbox, [new NameValueEntry("topic", topic), new NameValueEntry("data", $"{{\"n\":{i}}}"), new NameValueEntry("metadata", "{}")]);
        }

        var taken = await Db.StreamReadGroupAsync(Outbox, Names.RelayGroup, "relay-1", StreamPosition.NewMessages, 100);
        Assert.Equal(topics.Length, taken.Length);
        return taken;
    }

    [Fact]
    public async Task The_relay_script_refuses_a_batch_whose_last_topic_is_not_a_stream_before_any_write()
    {
        var taken = await PendingOutboxAsync("topic-a", "topic-a", "topic-b");
        await Db.HashSetAsync("topic-b", "not", "a stream");
        var before = await RedisState.DumpAsync(redis.Server);

        RedisKey[] keys = [Outbox, "topic-a", "topic-b"];
        var args = new List<RedisValue> { Names.RelayGroup, 0 };
        foreach (var entry in taken)
        {
            args.AddRange([entry.Id, (string)entry["topic"]! == "topic-a" ? 2 : 3, entry["data"], entry["metadata"]]);
        }

        var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(OutboxScripts.Relay, keys, [.. args]))!;

        Assert.Equal(["wrongtype", "3", "hash"], reply.Select(r => (string)r!).ToArray());
        Assert.Equal(before, await RedisState.DumpAsync(redis.Server));
    }

    [Fact]
    public async Task The_redis_relay_parks_the_entries_of_a_topic_that_is_not_a_stream_and_relays_the_others()
    {
        var taken = await PendingOutboxAsync("topic-a", "topic-b", "topic-a");
        await Db.StringSetAsync("topic-b", "not a stream");
        using var connection = new RedisConnection(Options.Create(new PlatformOptions { AppId = AppId, Redis = redis.ConnectionString }), NullLogger<RedisConnection>.Instance);
        var transport = new RedisOutboxTransport(connection, new EventBusContext(AppId, TestCatalogue.Create(), new EventBusOptions()), NullLogger<RedisOutboxTransport>.Instance);

        await transport.RelayAsync(taken.Select(e => new StreamDelivery(Outbox, e, 1)).ToList(), CancellationToken.None);

        Assert.Equal(["{\"n\":0}", "{\"n\":2}"], (await Db.StreamRangeAsync("topic-a")).Select(e => (string)e["data"]!).ToArray());
        var parked = Assert.Single(await Db.StreamRangeAsync(Names.OutboxDeadLetterKey(AppId)));
        Assert.Equal("topic-b", (string?)parked["topic"]);
        Assert.Equal("{\"n\":1}", (string?)parked["data"]);
        Assert.Equal((string?)taken[1].Id, (string?)parked["entryId"]);
        Assert.Contains("topic-b is a string, not a stream", (string?)parked["error"], StringComparison.Ordinal);
        Assert.Equal("not a stream", (string?)await Db.StringGetAsync("topic-b"));
        Assert.Equal(0, await Db.StreamLengthAsync(Outbox));
        Assert.Equal(0, await TestBus.PendingCountAsync(Db, Outbox, Names.RelayGroup));
    }

    [Fact]
    public async Task The_dead_letter_script_acknowledges_nothing_when_the_dead_letter_stream_is_not_a_stream()
    {
        await Db.StreamCreateConsumerGroupAsync("topic-a", AppId, StreamPosition.Beginning, createStream: true);
        await Db.StreamAddAsync("topic-a", "data", "poison");
        var entry = Assert.Single(await Db.StreamReadGroupAsync("topic-a", AppId, "consumer-1", StreamPosition.NewMessages, 10));
        await Db.SetAddAsync(Names.DeadLetterTopic(AppId), "not a stream");
        var before = await RedisState.DumpAsync(redis.Server);

        var error = await Assert.ThrowsAsync<RedisServerException>(() => Db.ScriptEvaluateAsync(
            DeadLetterScript.Text, ["topic-a", Names.DeadLetterTopic(AppId)], [AppId, entry.Id, 0, "poison", "{}"]));

        Assert.Contains(Names.DeadLetterTopic(AppId), error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await RedisState.DumpAsync(redis.Server));
    }

    [Fact]
    public async Task The_parking_script_acknowledges_nothing_when_the_parking_stream_is_not_a_stream()
    {
        var entry = Assert.Single(await PendingOutboxAsync("topic-a"));
        await Db.StringSetAsync(Names.OutboxDeadLetterKey(AppId), "not a stream");
        var before = await RedisState.DumpAsync(redis.Server);

        var error = await Assert.ThrowsAsync<RedisServerException>(() => Db.ScriptEvaluateAsync(
            OutboxScripts.Park,
            [Outbox, Names.OutboxDeadLetterKey(AppId)],
            [Names.RelayGroup, entry.Id, "topic-a", entry["data"], "{}", "InvalidArgument: refused"]));

        Assert.Contains(Names.OutboxDeadLetterKey(AppId), error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await RedisState.DumpAsync(redis.Server));
    }

    [Fact]
    public async Task The_ack_and_delete_script_changes_nothing_when_the_outbox_is_not_a_stream()
    {
        await Db.StringSetAsync(Outbox, "not a stream");
        var before = await RedisState.DumpAsync(redis.Server);

        var error = await Assert.ThrowsAsync<RedisServerException>(() => Db.ScriptEvaluateAsync(
            OutboxScripts.AckAndDelete, [Outbox], [Names.RelayGroup, "1-1", "1-2"]));

        Assert.Contains(Outbox, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await RedisState.DumpAsync(redis.Server));
    }
}
