using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.Hosting;
using Marketplace.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>The unit of work alone (no relay running): atomic commit with outbox and marker, "already done", optimistic concurrency.</summary>
[Collection(RedisCollection.Name)]
public sealed class UnitOfWorkTests(RedisFixture redis) : IAsyncLifetime
{
    private const string AppId = "uow";
    private RedisConnection? _connection;

    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync()
    {
        _connection?.Dispose();
        return Task.CompletedTask;
    }

    private UnitOfWorkExecutor Executor()
    {
        _connection = new RedisConnection(Options.Create(new PlatformOptions { AppId = AppId, Redis = redis.ConnectionString }), NullLogger<RedisConnection>.Instance);
        // Connect now: RedisConnection connects synchronously on first use, which 24 units starting
        // at once on a 2-core machine would wait for with every pool thread.
        _ = _connection.Multiplexer;
        return new UnitOfWorkExecutor(_connection, new EventBusContext(AppId, TestCatalogue.Create(), new EventBusOptions()));
    }

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    [Fact]
    public async Task State_event_and_marker_are_committed_together_and_a_repeated_request_returns_the_stored_result()
    {
        var executor = Executor();
        var first = await executor.ExecuteAsync("request:r-1", (work, _) =>
        {
            work.HashSet("order:{o-1}", "state", "placed");
            work.Publish(TestCatalogue.Counted, "o-1", new Counted { Key = "orders", Amount = 1 });
            work.SetResult("response-1");
            return Task.CompletedTask;
        }, CancellationToken.None);

        bool ranAgain = false;
        var second = await executor.ExecuteAsync("request:r-1", (work, _) =>
        {
            ranAgain = true;
            work.HashSet("order:{o-1}", "state", "cancelled");
            work.Publish(TestCatalogue.Counted, "o-1", new Counted { Key = "orders", Amount = 1 });
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.False(first.AlreadyDone);
        Assert.Single(first.Events);
        Assert.True(second.AlreadyDone);
        Assert.Equal("response-1", (string?)second.Result);
        Assert.Empty(second.Events);
        Assert.False(ranAgain);
        Assert.Equal("placed", (string?)await Db.HashGetAsync("order:{o-1}", "state"));
        var outbox = Assert.Single(await TestBus.ReadStreamAsync(Db, "uow:outbox"));
        Assert.Equal<string>(
            ["topic", TestCatalogue.CountersTopic, "data", System.Text.Encoding.UTF8.GetString(first.Events[0].ToJsonBytes()), "metadata", "{}"],
            outbox.Values.SelectMany(field => new[] { (string)field.Name!, (string)field.Value! }).ToArray());
        Assert.Equal("response-1", (string?)await executor.GetResultAsync("request:r-1"));
    }

    [Fact]
    public async Task Concurrent_read_modify_write_units_all_count_because_a_changed_read_retries_the_work()
    {
        var executor = Executor();
        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(() => executor.ExecuteAsync($"request:inc-{i}", async (work, _) =>
        {
            var current = await work.ReadHashFieldAsync("gig:{g-1}", "orders");
            await Task.Yield();
            work.HashSet("gig:{g-1}", "orders", (current.IsNull ? 0 : (long)current) + 1);
            work.SortedSetAdd("gigs:by-orders", "g-1", (current.IsNull ? 0 : (long)current) + 1);
        }, CancellationToken.None))));

        Assert.Equal(24, (long)await Db.HashGetAsync("gig:{g-1}", "orders"));
        Assert.Equal(24, await Db.SortedSetScoreAsync("gigs:by-orders", "g-1"));
    }

    [Fact]
    public async Task A_whole_hash_read_conflicts_when_any_field_changes()
    {
        var executor = Executor();
        await Db.HashSetAsync("gig:{g-2}", [new HashEntry("a", 1), new HashEntry("b", 2)]);
        int runs = 0;
        var outcome = await executor.ExecuteAsync(null, async (work, _) =>
        {
            var gig = await work.ReadHashAsync("gig:{g-2}");
            if (++runs == 1)
            {
                // Another writer changes one field between this read and the commit.
                await Db.HashSetAsync("gig:{g-2}", "b", 3);
            }

            work.HashSet("gig:{g-2}", "sum", (long)gig["a"] + (long)gig["b"]);
        }, CancellationToken.None);

        Assert.False(outcome.AlreadyDone);
        Assert.Equal(2, runs);
        Assert.Equal(4, (long)await Db.HashGetAsync("gig:{g-2}", "sum"));
    }

    [Fact]
    public async Task A_versioned_hash_read_reruns_the_work_when_another_writer_raised_the_version()
    {
        var executor = Executor();
        await Db.HashSetAsync("gig:{g-v}", [new HashEntry("rev", 1), new HashEntry("a", 1), new HashEntry("b", 2)]);
        int runs = 0;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            var gig = await work.ReadVersionedHashAsync("gig:{g-v}", "rev");
            if (++runs == 1)
            {
                // Another writer that keeps the contract: it changes a field and raises rev.
                await Db.HashSetAsync("gig:{g-v}", [new HashEntry("b", 3), new HashEntry("rev", 2)]);
            }

            work.HashSet("gig:{g-v}", "sum", (long)gig["a"] + (long)gig["b"]);
            work.HashSet("gig:{g-v}", "rev", (long)gig["rev"] + 1);
        }, CancellationToken.None);

        Assert.Equal(2, runs);
        Assert.Equal(4, (long)await Db.HashGetAsync("gig:{g-v}", "sum"));
        Assert.Equal(3, (long)await Db.HashGetAsync("gig:{g-v}", "rev"));
    }

    [Fact]
    public async Task A_pipelined_versioned_read_of_several_hashes_is_a_condition_on_each_version_only()
    {
        var executor = Executor();
        await Db.HashSetAsync("means:{b1}", [new HashEntry("rev", 1), new HashEntry("m0", "0.5")]);
        await Db.HashSetAsync("means:{b2}", [new HashEntry("m0", "0.7")]); // written before revisions: no rev
        int runs = 0;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            var read = await work.ReadVersionedHashesAsync(["means:{b1}", "means:{b2}", "means:{b3}"], "rev");
            switch (++runs)
            {
                case 1:
                    // A writer that raises the revision (here: gives the first one) makes the work run again ...
                    await Db.HashSetAsync("means:{b2}", [new HashEntry("m0", "0.8"), new HashEntry("rev", 1)]);
                    break;
                case 2:
                    // ... and so does one that creates a hash read as missing ...
                    await Db.HashSetAsync("means:{b3}", [new HashEntry("m0", "0.1"), new HashEntry("rev", 1)]);
                    break;
                case 3:
                    // ... while one that leaves the revision alone goes unnoticed: the contract is that every writer raises it.
                    await Db.HashSetAsync("means:{b1}", "m0", "0.9");
                    break;
            }

            work.HashSet("seen:{b}", "m0s", $"{read[0]["m0"]} {read[1]["m0"]} {read[2].GetValueOrDefault("m0", "-")}");
        }, CancellationToken.None);

        Assert.Equal(3, runs);
        Assert.Equal("0.5 0.8 0.1", (string?)await Db.HashGetAsync("seen:{b}", "m0s"));
    }

    [Fact]
    public async Task A_versioned_read_of_a_hash_without_its_version_is_a_condition_on_the_whole_hash()
    {
        // During the rollout that gives a hash its revision, the old version's writers still run and
        // change such a hash without adding the field: the new version's read must notice them.
        var executor = Executor();
        await Db.HashSetAsync("seller:{s-old}", [new HashEntry("level", 1), new HashEntry("version", 4)]);
        int runs = 0;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            var seller = await work.ReadVersionedHashAsync("seller:{s-old}", "rev");
            if (++runs == 1)
            {
                await Db.HashSetAsync("seller:{s-old}", "level", 2);
            }

            work.HashSet("seller:{s-old}", "seen", (long)seller["level"]);
            work.HashSet("seller:{s-old}", "rev", 1);
        }, CancellationToken.None);

        Assert.Equal(2, runs);
        Assert.Equal(2, (long)await Db.HashGetAsync("seller:{s-old}", "seen"));
    }

    [Fact]
    public async Task A_versioned_hash_read_of_a_missing_hash_reruns_when_the_hash_appears()
    {
        var executor = Executor();
        int runs = 0;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            var gig = await work.ReadVersionedHashAsync("gig:{g-new}", "rev");
            if (++runs == 1)
            {
                Assert.Empty(gig);
                await Db.HashSetAsync("gig:{g-new}", [new HashEntry("rev", 1), new HashEntry("a", 5)]);
            }

            work.HashSet("gig:{g-new}", "seen", gig.Count);
        }, CancellationToken.None);

        Assert.Equal(2, runs);
        Assert.Equal(2, (long)await Db.HashGetAsync("gig:{g-new}", "seen"));
    }

    [Fact]
    public async Task A_pipelined_read_of_several_hashes_is_a_condition_on_each_of_them()
    {
        var executor = Executor();
        await Db.HashSetAsync("gig:{g-4}", [new HashEntry("a", 1)]);
        await Db.HashSetAsync("gig:{g-5}", [new HashEntry("a", 10)]);
        int runs = 0;
        IReadOnlyList<IReadOnlyDictionary<string, RedisValue>>? read = null;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            read = await work.ReadHashesAsync(["gig:{g-4}", "gig:{g-none}", "gig:{g-5}"]);
            if (++runs == 1)
            {
                // Another writer changes the last hash read (a missing one appearing would do as well).
                await Db.HashSetAsync("gig:{g-5}", "a", 20);
            }

            work.HashSet("gig:{g-4}", "sum", read.Sum(h => h.TryGetValue("a", out var a) ? (long)a : 0));
        }, CancellationToken.None);

        Assert.Equal(2, runs);
        Assert.Empty(read![1]);
        Assert.Equal(21, (long)await Db.HashGetAsync("gig:{g-4}", "sum"));

        runs = 0;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            read = await work.ReadHashesAsync(["gig:{g-4}", "gig:{g-none}"]);
            if (++runs == 1)
            {
                await Db.HashSetAsync("gig:{g-none}", "a", 5);
            }

            work.HashSet("gig:{g-5}", "sum", read.Sum(h => h.TryGetValue("a", out var a) ? (long)a : 0));
        }, CancellationToken.None);

        Assert.Equal(2, runs);
        Assert.Equal(6, (long)await Db.HashGetAsync("gig:{g-5}", "sum"));
    }

    [Fact]
    public async Task A_pipelined_read_of_fields_of_several_hashes_is_a_condition_on_each_field()
    {
        var executor = Executor();
        await Db.HashSetAsync("gig:{g-6}", [new HashEntry("rev", 1), new HashEntry("other", "x")]);
        await Db.HashSetAsync("gig:{g-7}", [new HashEntry("rev", 7)]);
        int runs = 0;
        IReadOnlyList<RedisValue>? read = null;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            read = await work.ReadHashFieldsAsync([("gig:{g-6}", "rev"), ("gig:{g-none}", "rev"), ("gig:{g-7}", "rev")]);
            if (++runs == 1)
            {
                await Db.HashSetAsync("gig:{g-6}", "other", "y"); // another field: no conflict
            }

            work.HashSet("gig:{g-6}", "seen", $"{read[0]}/{read[1].IsNull}/{read[2]}");
        }, CancellationToken.None);

        // The first run commits: only a field that was not read changed.
        Assert.Equal(1, runs);
        Assert.Equal("1/True/7", (string?)await Db.HashGetAsync("gig:{g-6}", "seen"));

        runs = 1;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            read = await work.ReadHashFieldsAsync([("gig:{g-6}", "rev"), ("gig:{g-7}", "rev")]);
            if (++runs == 2)
            {
                await Db.HashSetAsync("gig:{g-7}", "rev", 8); // a field read changes: the work runs again
            }

            work.HashSet("gig:{g-6}", "seen", $"{read[0]}/{read[1]}");
        }, CancellationToken.None);

        Assert.Equal(3, runs);
        Assert.Equal("1/8", (string?)await Db.HashGetAsync("gig:{g-6}", "seen"));
    }

    [Fact]
    public async Task A_sorted_set_score_read_is_a_condition_compared_as_a_number()
    {
        var executor = Executor();
        await Db.SortedSetAddAsync("gigs:by-score", "g-3", 0.7);
        int runs = 0;
        var outcome = await executor.ExecuteAsync(null, async (work, _) =>
        {
            double? score = await work.ReadSortedSetScoreAsync("gigs:by-score", "g-3");
            double? missing = await work.ReadSortedSetScoreAsync("gigs:by-score", "g-none");
            if (++runs == 1)
            {
                // Another writer moves the member between this read and the commit.
                await Db.SortedSetAddAsync("gigs:by-score", "g-3", 0.1);
            }

            work.HashSet("gig:{g-3}", "seen", $"{score:R}/{missing?.ToString() ?? "none"}");
        }, CancellationToken.None);

        Assert.False(outcome.AlreadyDone);
        // The change is caught; the second run commits although Redis answers ZSCORE "0.10000000000000001" for 0.1.
        Assert.Equal(2, runs);
        Assert.Equal("0.1/none", (string?)await Db.HashGetAsync("gig:{g-3}", "seen"));
    }

    [Fact]
    public async Task A_write_to_a_key_of_the_wrong_type_applies_nothing_and_names_the_key()
    {
        var executor = Executor();
        await Db.StringSetAsync("not-a-hash", "text");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => executor.ExecuteAsync("request:bad", (work, _) =>
        {
            work.HashSet("fine:{x}", "field", "value");
            work.HashSet("not-a-hash", "field", "value");
            work.Publish(TestCatalogue.Counted, "x", new Counted { Key = "x", Amount = 1 });
            return Task.CompletedTask;
        }, CancellationToken.None));

        Assert.Contains("not-a-hash", error.Message, StringComparison.Ordinal);
        Assert.False(await Db.KeyExistsAsync("fine:{x}"));
        Assert.False(await Db.KeyExistsAsync("uow:outbox"));
        Assert.True((await executor.GetResultAsync("request:bad")).IsNull);
    }

    [Fact]
    public async Task Work_that_throws_commits_nothing_and_the_request_can_run_again()
    {
        var executor = Executor();
        await Assert.ThrowsAsync<ArgumentException>(() => executor.ExecuteAsync("request:r-2", (work, _) =>
        {
            work.HashSet("order:{o-2}", "state", "placed");
            throw new ArgumentException("amount must be positive");
        }, CancellationToken.None));

        Assert.False(await Db.KeyExistsAsync("order:{o-2}"));
        var retry = await executor.ExecuteAsync("request:r-2", (work, _) =>
        {
            work.HashSet("order:{o-2}", "state", "placed");
            return Task.CompletedTask;
        }, CancellationToken.None);
        Assert.False(retry.AlreadyDone);
        Assert.Equal("placed", (string?)await Db.HashGetAsync("order:{o-2}", "state"));
    }

    [Fact]
    public async Task Publishing_a_payload_that_is_not_the_types_message_is_refused()
    {
        var executor = Executor();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => executor.ExecuteAsync(null, (work, _) =>
        {
            work.Publish(TestCatalogue.Counted, "x", new ItemRenamed { ItemId = "x" });
            return Task.CompletedTask;
        }, CancellationToken.None));

        Assert.Contains("testing.counted.v1", error.Message, StringComparison.Ordinal);
        Assert.False(await Db.KeyExistsAsync("uow:outbox"));
    }
}
