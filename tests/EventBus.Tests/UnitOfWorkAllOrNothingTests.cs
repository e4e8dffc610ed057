using System.Globalization;
using Marketplace.EventBus.ChildConsumer;
using Marketplace.EventBus.ChildConsumer.Contracts;
using Marketplace.Hosting;
using Marketplace.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.EventBus.Tests;

/// <summary>
/// Redis does not roll back a script that fails midway: a unit of work whose last staged write
/// fails must be refused before its first write, so nothing of it (state, outbox, marker) exists.
/// Each case stages harmless writes first and one that Redis would refuse last.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class UnitOfWorkAllOrNothingTests(RedisFixture redis) : IAsyncLifetime
{
    private const string AppId = "uow";
    private const string Totals = "seller:{s-1}:totals";
    private RedisConnection? _connection;

    public Task InitializeAsync() => redis.FlushAsync();

    public Task DisposeAsync()
    {
        _connection?.Dispose();
        return Task.CompletedTask;
    }

    private IDatabase Db => redis.Server.Admin.GetDatabase();

    private UnitOfWorkExecutor Executor()
    {
        _connection = new RedisConnection(Options.Create(new PlatformOptions { AppId = AppId, Redis = redis.ConnectionString }), NullLogger<RedisConnection>.Instance);
        _ = _connection.Multiplexer;
        return new UnitOfWorkExecutor(_connection, new EventBusContext(AppId, TestCatalogue.Create(), new EventBusOptions()));
    }

    /// <summary>A case: what is in Redis before, the unit's last (failing) writes, and what the refusal says.</summary>
    private sealed record Case(Func<IDatabase, Task> Setup, Action<UnitOfWork> Last, string Says);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // The attack: earnings near the int64 maximum; one more completion adds to the
        // completed orders first, then overflows the earnings.
        ["earnings overflow after the completed count"] = new(
            db => db.HashSetAsync(Totals, [new HashEntry("completed", 3), new HashEntry("earned_cents", "9223372036854775800")]),
            w => w.HashIncrement(Totals, "earned_cents", 100),
            "would overflow"),
        ["two increments that overflow only together"] = new(
            db => db.HashSetAsync(Totals, "earned_cents", "9223372036854775000"),
            w =>
            {
                w.HashIncrement(Totals, "earned_cents", 500);
                w.HashIncrement(Totals, "earned_cents", 500);
            },
            "would overflow"),
        ["an overflow in the second field of one increment write"] = new(
            db => db.HashSetAsync(Totals, "earned_cents", "9223372036854775800"),
            w => w.HashIncrement(Totals, [new("completed", 1), new("earned_cents", 100)]),
            "field earned_cents would overflow"),
        ["a decrement below the int64 minimum"] = new(
            db => db.HashSetAsync(Totals, "balance", "-9223372036854775800"),
            w => w.HashIncrement(Totals, "balance", -100),
            "would overflow"),
        ["an increment of a field that is not an integer"] = new(
            db => db.HashSetAsync(Totals, "earned_cents", "12.5"),
            w => w.HashIncrement(Totals, "earned_cents", 1),
            "not an integer"),
        ["an increment of a value this unit set"] = new(
            _ => Task.CompletedTask,
            w =>
            {
                w.HashSet(Totals, "earned_cents", "a lot");
                w.HashIncrement(Totals, "earned_cents", 1);
            },
            "not an integer"),
        ["a float increment to infinity"] = new(
            db => db.HashSetAsync(Totals, "ratio", "1e308"),
            w => w.HashIncrementFloat(Totals, "ratio", 1e308),
            "NaN or Infinity"),
        ["a float increment of a field that is not a number"] = new(
            db => db.HashSetAsync(Totals, "ratio", "high"),
            w => w.HashIncrementFloat(Totals, "ratio", 1),
            "not a float"),
        ["a sorted-set score that is not a number"] = new(
            _ => Task.CompletedTask,
            w => w.SortedSetAdd("ranking:{b3}", "g-1", double.NaN),
            "score"),
        ["an infinite sorted-set score"] = new(
            _ => Task.CompletedTask,
            w => w.SortedSetAdd("ranking:{b3}", "g-1", double.PositiveInfinity),
            "score"),
        ["a set write to a key of another type"] = new(
            db => db.StringSetAsync("clients:{s-1}", "text"),
            w => w.SetAdd("clients:{s-1}", "b-9"),
            "clients:{s-1}"),
        ["a stream entry below its own MINID"] = new(
            _ => Task.CompletedTask,
            w => w.StreamAdd("history:{g-1}", 1000, 2000, "e", "y"),
            "below MINID"),
        ["a stream entry on a key of another type"] = new(
            db => db.StringSetAsync("history:{g-1}", "text"),
            w => w.StreamAdd("history:{g-1}", 1000, 0, "e", "y"),
            "history:{g-1}"),
        ["an outbox that is not a stream"] = new(
            db => db.StringSetAsync(Names.OutboxKey(AppId), "text"),
            _ => { },
            "uow:outbox"),
    };

    static UnitOfWorkAllOrNothingTests()
    {
        // Integers of up to 15 characters are added as Lua numbers (exact there); these spellings
        // are not such integers, and Redis refuses them, so the unit must refuse them too, nothing written.
        foreach (string spelling in new[] { "007", "+7", "-0", "5.0" })
        {
            Cases[$"an increment of a field written as {spelling}"] = new(
                db => db.HashSetAsync(Totals, "earned_cents", spelling),
                w => w.HashIncrement(Totals, "earned_cents", 1),
                "not an integer");
        }
    }

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task A_unit_whose_last_write_would_fail_writes_nothing_and_publishes_nothing(string name)
    {
        var executor = Executor();
        var @case = Cases[name];
        await @case.Setup(Db);
        var before = await RedisState.DumpAsync(redis.Server);

        var error = await Assert.ThrowsAsync<RedisServerException>(() => executor.ExecuteAsync("request:complete-o-1", (work, _) =>
        {
            work.HashSet("order:{o-1}", "state", "completed");
            work.HashIncrement(Totals, "completed", 1);
            work.SetAdd("seller:{s-1}:clients", "b-1");
            work.KeyDelete("order:{o-0}");
            work.Publish(TestCatalogue.Counted, "o-1", new Counted { Key = "completed", Amount = 1 });
            @case.Last(work);
            return Task.CompletedTask;
        }, CancellationToken.None));

        Assert.Contains(@case.Says, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await RedisState.DumpAsync(redis.Server));
        Assert.True((await executor.GetResultAsync("request:complete-o-1")).IsNull);
    }

    /// <summary>How a unit reads a key before writing to it (its commit condition proves the key's type, so the checks ask Redis no TYPE for it).</summary>
    public static TheoryData<string> ProvingReads() => ["whole hash", "versioned hash", "hash field", "string", "sorted-set score"];

    [Theory]
    [MemberData(nameof(ProvingReads))]
    public async Task A_write_of_another_type_to_a_key_the_unit_read_is_refused_nothing_written(string read)
    {
        var executor = Executor();
        const string Key = "proved:{k-1}";
        Func<UnitOfWork, Task> reading;
        Action<UnitOfWork> wrongWrite;
        switch (read)
        {
            case "whole hash" or "versioned hash" or "hash field":
                await Db.HashSetAsync(Key, [new HashEntry("rev", 3), new HashEntry("a", 1)]);
                reading = read switch
                {
                    "whole hash" => w => w.ReadHashAsync(Key),
                    "versioned hash" => w => w.ReadVersionedHashAsync(Key, "rev"),
                    _ => w => w.ReadHashFieldAsync(Key, "a"),
                };
                wrongWrite = w => w.SortedSetAdd(Key, "g-1", 0.5);
                break;
            case "string":
                await Db.StringSetAsync(Key, "text");
                reading = w => w.ReadStringAsync(Key);
                wrongWrite = w => w.HashSet(Key, "a", 2);
                break;
            default:
                await Db.SortedSetAddAsync(Key, "g-1", 0.25);
                reading = w => w.ReadSortedSetScoreAsync(Key, "g-1");
                wrongWrite = w => w.SetAdd(Key, "b-1");
                break;
        }

        var before = await RedisState.DumpAsync(redis.Server);
        var error = await Assert.ThrowsAsync<RedisServerException>(() => executor.ExecuteAsync("request:wrong-type", async (work, _) =>
        {
            await reading(work);
            work.HashSet("order:{o-1}", "state", "completed");
            wrongWrite(work);
        }, CancellationToken.None));

        Assert.Contains("WRONGTYPE", error.Message, StringComparison.Ordinal);
        Assert.Contains(Key, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await RedisState.DumpAsync(redis.Server));
    }

    [Fact]
    public async Task A_stream_entry_is_added_with_its_time_as_id_and_older_entries_are_trimmed()
    {
        var executor = Executor();
        foreach (var (ms, minimum) in new[] { (1000L, 0L), (2000L, 0L), (2000L, 0L), (3000L, 2000L) })
        {
            await executor.ExecuteAsync(null, (work, _) =>
            {
                work.StreamAdd("history:{g-1}", ms, minimum, "e", $"at {ms}");
                return Task.CompletedTask;
            }, CancellationToken.None);
        }

        var entries = await Db.StreamRangeAsync("history:{g-1}");
        Assert.Equal(["2000-0", "2000-1", "3000-0"], entries.Select(e => (string)e.Id!));
        Assert.Equal("at 3000", (string)entries[2]["e"]!);
    }

    [Fact]
    public async Task A_stream_entry_older_than_the_last_one_is_a_conflict_and_the_work_runs_again_on_what_it_missed()
    {
        var executor = Executor();
        await Db.StreamAddAsync("history:{g-1}", "e", "later", "2000-0");
        var attempts = new List<long>();
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            // The work reads the last entry outside the unit, as a late writer would, and stages an older one first.
            var last = attempts.Count == 0 ? 0 : long.Parse(((string)(await Db.StreamRangeAsync("history:{g-1}", "-", "+", 1, Order.Descending))[0].Id!).Split('-')[0]);
            long ms = Math.Max(1999, last + 1);
            attempts.Add(ms);
            work.HashSet("order:{o-1}", "state", "x");
            work.StreamAdd("history:{g-1}", ms, 0, "e", "mine");
        }, CancellationToken.None);

        Assert.Equal([1999L, 2001L], attempts);
        Assert.Equal(["2000-0", "2001-0"], (await Db.StreamRangeAsync("history:{g-1}")).Select(e => (string)e.Id!));
    }

    [Fact]
    public async Task Increments_are_checked_exactly_on_both_sides_of_the_small_integer_shortcut()
    {
        // The script adds integers of up to 15 characters as Lua numbers and longer ones digit by
        // digit: every sum it stages (and checks the next increment against) must be the one Redis makes.
        var executor = Executor();
        await Db.HashSetAsync("h:{2}", [new HashEntry("a", "999999999999999"), new HashEntry("b", "-99999999999999"), new HashEntry("c", "5")]);
        const long ToMax = long.MaxValue - 1999999999999998;

        await executor.ExecuteAsync("request:sums", (work, _) =>
        {
            work.HashIncrement("h:{2}", "a", 999999999999999);  // two 15-digit numbers: 1999999999999998, 16 digits
            work.HashIncrement("h:{2}", "a", ToMax);            // a 16-digit value plus a 19-digit one: exactly the maximum
            work.HashIncrement("h:{2}", "b", -1);               // -100000000000000: 16 characters, sign included
            work.HashIncrement("h:{2}", "b", -900000000000000); // -1000000000000000: 17 characters
            work.HashIncrement("h:{2}", "b", 1000000000000000); // back to 0
            work.HashIncrement("h:{2}", "c", -5);               // 0, never "-0"
            work.HashIncrement("h:{2}", "c", -3);
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(long.MaxValue.ToString(CultureInfo.InvariantCulture), (string?)await Db.HashGetAsync("h:{2}", "a"));
        Assert.Equal("0", (string?)await Db.HashGetAsync("h:{2}", "b"));
        Assert.Equal("-3", (string?)await Db.HashGetAsync("h:{2}", "c"));

        // The staged maximum is exact: one more is refused, nothing written.
        var refused = await Assert.ThrowsAsync<RedisServerException>(() => executor.ExecuteAsync("request:over", (work, _) =>
        {
            work.HashIncrement("h:{2}", "c", 1);
            work.HashIncrement("h:{2}", "a", 1);
            return Task.CompletedTask;
        }, CancellationToken.None));
        Assert.Contains("would overflow", refused.Message, StringComparison.Ordinal);
        Assert.Equal("-3", (string?)await Db.HashGetAsync("h:{2}", "c"));
    }

    /// <summary>One staged write of several increments is checked field by field and applied as one HSET of the sums.</summary>
    [Fact]
    public async Task Several_increments_of_one_hash_in_one_write_add_up_in_order()
    {
        var executor = Executor();
        await Db.HashSetAsync("sums:{b3}", [new HashEntry("n0", 10), new HashEntry("s0", "9223372036854775000")]);

        await executor.ExecuteAsync("request:sums", (work, _) =>
        {
            work.HashSet("sums:{b3}", "n1", "1");
            work.HashIncrement("sums:{b3}", [new("n0", 1), new("n1", 2), new("n0", 3), new("s0", 800), new("s5", -4)]);
            work.HashIncrement("sums:{b3}", []); // no increment: nothing staged
            work.HashIncrement("sums:{b3}", "n0", 100);
            return Task.CompletedTask;
        }, CancellationToken.None);

        var sums = (await Db.HashGetAllAsync("sums:{b3}")).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal(new Dictionary<string, string> { ["n0"] = "114", ["n1"] = "3", ["s0"] = "9223372036854775800", ["s5"] = "-4" }, sums);
    }

    [Fact]
    public async Task Writes_are_checked_against_what_earlier_writes_of_the_unit_leave_so_a_valid_unit_commits()
    {
        var executor = Executor();
        await Db.StringSetAsync("k:{1}", "text");
        await Db.HashSetAsync("h:{1}", [new HashEntry("f", "not a number"), new HashEntry("max", long.MaxValue)]);
        var many = Enumerable.Range(0, 5000).Select(i => new KeyValuePair<string, RedisValue>($"f{i}", i)).ToList();

        var outcome = await executor.ExecuteAsync("request:valid", (work, _) =>
        {
            work.KeyDelete("k:{1}");
            work.HashSet("k:{1}", "a", "1");          // a string key deleted first may become a hash
            work.KeyDelete("h:{1}");
            work.HashIncrement("h:{1}", "f", 5);      // the non-number went with the key
            work.HashIncrement("h:{1}", "f", -7);
            work.HashSet("h:{1}", "n", "10");
            work.HashIncrement("h:{1}", "n", 5);
            work.HashIncrement("h:{1}", "max", long.MaxValue); // the stored maximum went with the key: 0 + max
            work.HashIncrement("h:{1}", "max", -1);
            work.HashIncrement("h:{1}", "max", 1);
            work.HashIncrementFloat("h:{1}", "x", 0.5);
            work.HashIncrementFloat("h:{1}", "x", 0.5);
            work.HashSet("wide:{1}", many);           // more arguments than one Lua unpack takes
            work.SortedSetAdd("z:{1}", "m", -1.5);
            work.Publish(TestCatalogue.Counted, "o-1", new Counted { Key = "valid", Amount = 1 });
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.False(outcome.AlreadyDone);
        Assert.Equal("1", (string?)await Db.HashGetAsync("k:{1}", "a"));
        Assert.Equal(-2, (long)await Db.HashGetAsync("h:{1}", "f"));
        Assert.Equal(15, (long)await Db.HashGetAsync("h:{1}", "n"));
        Assert.Equal(long.MaxValue, (long)await Db.HashGetAsync("h:{1}", "max"));
        Assert.Equal(1.0, (double)await Db.HashGetAsync("h:{1}", "x"));
        Assert.Equal(5000, await Db.HashLengthAsync("wide:{1}"));
        Assert.Equal(4999, (long)await Db.HashGetAsync("wide:{1}", "f4999"));
        Assert.Equal(-1.5, await Db.SortedSetScoreAsync("z:{1}", "m"));
        Assert.Equal(1, await Db.StreamLengthAsync(Names.OutboxKey(AppId)));
        Assert.False((await executor.GetResultAsync("request:valid")).IsNull);
    }
}
