using System.Globalization;
using Marketplace.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.EventBus.Bench;

/// <summary>
/// Redis's time per commit of the unit-of-work script (its checks, its simulation of every write,
/// the writes, the marker) for units shaped like Scoring's commit of a completed order: the Gig's
/// hash (28 fields), the order's record replaced, two rankings, five sets, thirteen HINCRBYs of
/// running sums. Next to it, in the same run and alternating, the floor: the same writes sent as a
/// plain MULTI/EXEC. Both read from INFO commandstats (usec_per_call of evalsha and of exec).
/// </summary>
internal static class CommitCost
{
    private const int InFlight = 8;

    public static async Task<int> RunAsync(string redis, int units)
    {
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
        var server = admin.GetServers()[0];
        using var connection = new RedisConnection(Options.Create(new PlatformOptions { AppId = "bench", Redis = redis }), NullLogger<RedisConnection>.Instance);
        var executor = new UnitOfWorkExecutor(connection, new EventBusContext("bench", BenchCatalogue.Create(), new EventBusOptions()));
        var database = connection.Database;

        var script = new List<double>();
        var floor = new List<double>();
        for (int round = 0; round < 3; round++)
        {
            script.Add(await MeasureAsync(server, "evalsha", round, units, async (i, _) =>
                await executor.ExecuteAsync($"request:{round}:{i}", (work, _) =>
                {
                    CompletedOrder(new UnitWrites(work), i);
                    return Task.CompletedTask;
                }, CancellationToken.None)));
            floor.Add(await MeasureAsync(server, "exec", round, units, async (i, _) =>
            {
                var transaction = database.CreateTransaction();
                var writes = new TransactionWrites(transaction);
                CompletedOrder(writes, i);
                await transaction.ExecuteAsync();
                await Task.WhenAll(writes.Sent);
            }));
        }

        double s = Median(script), f = Median(floor);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"units={units} commit_script_us={s:F1} multi_exec_us={f:F1} ratio={s / f:F2} rounds_script=[{string.Join(' ', script.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}] rounds_multi_exec=[{string.Join(' ', floor.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}]"));
        return 0;
    }

    private static async Task<double> MeasureAsync(IServer server, string command, int round, int units, Func<int, CancellationToken, ValueTask> unit)
    {
        await server.ConfigResetStatisticsAsync();
        await Parallel.ForEachAsync(Enumerable.Range(round * units, units), new ParallelOptions { MaxDegreeOfParallelism = InFlight }, unit);
        var stats = (await server.InfoAsync("commandstats")).SelectMany(group => group)
            .First(pair => pair.Key == "cmdstat_" + command).Value;
        // calls=N,usec=N,usec_per_call=N.NN,...
        string perCall = stats.Split(',').First(part => part.StartsWith("usec_per_call=", StringComparison.Ordinal))["usec_per_call=".Length..];
        return double.Parse(perCall, CultureInfo.InvariantCulture);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>The writes of a completed order's commit, the figures of a 20,000-Gig ingest.</summary>
    private static void CompletedOrder(IWrites writes, int i)
    {
        string gig = $"g-{i % 1000}", seller = $"s-{i % 300}", order = $"o-{i}";
        string[] groups = [$"b{i % 6}", $"b{i % 6}:c:cat-{i % 40}"];
        writes.Delete($"bench:order:{{{order}}}");
        writes.Hash($"bench:order:{{{order}}}", [new("r", new string('x', 200)), new("c", "3,212415514880,191520126242,3,212415514880,195473307876,3,212415514880,212415514880,3,212415514880,212415514880,3,212415514880,212415514880,2")]);
        writes.Hash($"bench:gig:{{{gig}}}", [.. Enumerable.Range(0, 28).Select(f => new HashEntry($"f{f}", 212415514880L + i))]);
        foreach (string group in groups)
        {
            writes.Rank($"bench:peer:{{{group}}}:ranking", gig, 0.5 + (i % 1000 / 2000.0));
            writes.Add("bench:{peer-groups}", group);
            writes.Increment($"bench:peer:{{{group}}}:stats", [.. new[] { 0, 1, 2, 4, 5 }.Select(area => new KeyValuePair<string, long>($"s{area}", 215754506 + area))]);
        }

        writes.Add($"bench:gig:{{{gig}}}:orders", order);
        writes.Add($"bench:seller:{{{seller}}}:gigs", gig);
        writes.Add("bench:{sellers}", seller);
        writes.Increment($"bench:seller:{{{seller}}}:totals", [new("completed", 1), new("earned_cents", 3096)]);
        writes.Increment("bench:{dirty-sellers}", [new(seller, 1)]);
    }

    private interface IWrites
    {
        void Delete(string key);

        void Hash(string key, HashEntry[] fields);

        void Rank(string key, string member, double score);

        void Add(string key, string member);

        /// <summary>HINCRBY of each field (the unit of work stages them as one write, as Scoring's commits do).</summary>
        void Increment(string key, KeyValuePair<string, long>[] increments);
    }

    private sealed class UnitWrites(UnitOfWork work) : IWrites
    {
        public void Delete(string key) => work.KeyDelete(key);

        public void Hash(string key, HashEntry[] fields) => work.HashSet(key, fields.Select(f => new KeyValuePair<string, RedisValue>(f.Name!, f.Value)));

        public void Rank(string key, string member, double score) => work.SortedSetAdd(key, member, score);

        public void Add(string key, string member) => work.SetAdd(key, member);

        public void Increment(string key, KeyValuePair<string, long>[] increments) => work.HashIncrement(key, increments);
    }

    private sealed class TransactionWrites(ITransaction transaction) : IWrites
    {
        public List<Task> Sent { get; } = [];

        public void Delete(string key) => Sent.Add(transaction.KeyDeleteAsync(key));

        public void Hash(string key, HashEntry[] fields) => Sent.Add(transaction.HashSetAsync(key, fields));

        public void Rank(string key, string member, double score) => Sent.Add(transaction.SortedSetAddAsync(key, member, score));

        public void Add(string key, string member) => Sent.Add(transaction.SetAddAsync(key, member));

        public void Increment(string key, KeyValuePair<string, long>[] increments) =>
            Sent.AddRange(increments.Select(i => (Task)transaction.HashIncrementAsync(key, i.Key, i.Value)));
    }
}
