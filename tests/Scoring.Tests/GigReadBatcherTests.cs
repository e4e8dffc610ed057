using Marketplace.Scoring.Store;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// <see cref="GigReadBatcher"/>: concurrent GetGigScore reads share read-script calls, and each
/// caller still gets its own Gig's answer, as a read of its own would give it. Redis is paused
/// (CLIENT PAUSE) while the reads are started, so the first calls wait in Redis and every other
/// read queues behind them: the batches are then as large as the batcher allows, whatever the
/// machine's speed.
/// </summary>
public sealed class GigReadBatcherTests
{
    private const int ReadCount = 200;

    [Fact]
    public async Task Concurrent_reads_share_script_calls_and_each_caller_gets_its_own_Gig_s_answer()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var (gigs, alone) = await SeedAsync(scoring, evaluate: true);
        gigs = [.. gigs, "no-such-gig"];
        alone["no-such-gig"] = Shape(await Reads(scoring).GigAsync("no-such-gig"), scoring);
        var batcher = Batcher(scoring);

        long callsBefore = await ScriptCallsAsync(scoring);
        await PauseRedisAsync(scoring);
        var together = await Task.WhenAll(Enumerable.Range(0, ReadCount).Select(i => batcher.ReadAsync(gigs[i % gigs.Length])));
        long calls = await ScriptCallsAsync(scoring) - callsBefore;

        for (int i = 0; i < ReadCount; i++)
        {
            Assert.Equal(alone[gigs[i % gigs.Length]], Shape(together[i], scoring));
        }

        // At least ReadCount / MaxBatch calls (a batch holds at most MaxBatch Gigs); far fewer than one per read.
        Assert.InRange(calls, (ReadCount + GigReadBatcher.MaxBatch - 1) / GigReadBatcher.MaxBatch, ReadCount / 4);
        Assert.Equal("unknown", alone["no-such-gig"]);
    }

    [Fact]
    public async Task A_Gig_whose_data_cannot_be_read_fails_its_own_callers_and_no_other_read_of_its_batch()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var (gigs, alone) = await SeedAsync(scoring, evaluate: false);
        string broken = gigs[1];
        var batcher = Batcher(scoring);

        await scoring.Db.HashSetAsync(KeySpace.Legacy.Gig(broken), GigRecord.AggregateField, "not,numbers");
        var started = await ReadTogetherAsync(scoring, batcher, gigs, 60);

        foreach (var (gig, read) in started)
        {
            if (gig == broken)
            {
                var error = await Assert.ThrowsAsync<FormatException>(() => read);
                Assert.Contains(broken, error.Message);
            }
            else
            {
                Assert.Equal(alone[gig], Shape(await read, scoring));
            }
        }
    }

    [Fact]
    public async Task A_Gig_key_Redis_refuses_to_read_fails_its_own_callers_and_the_batcher_goes_on()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var (gigs, alone) = await SeedAsync(scoring, evaluate: false);
        string broken = gigs[0];
        var batcher = Batcher(scoring);

        // A string where the Gig's hash should be: the script's HGETALL fails with WRONGTYPE.
        await scoring.Db.KeyDeleteAsync(KeySpace.Legacy.Gig(broken));
        await scoring.Db.StringSetAsync(KeySpace.Legacy.Gig(broken), "not a hash");
        var started = await ReadTogetherAsync(scoring, batcher, gigs, 60);

        foreach (var (gig, read) in started)
        {
            if (gig == broken)
            {
                var error = await Assert.ThrowsAsync<StackExchange.Redis.RedisServerException>(() => read);
                Assert.Contains("WRONGTYPE", error.Message);
            }
            else
            {
                Assert.Equal(alone[gig], Shape(await read, scoring));
            }
        }

        // Nothing is left holding the batcher: later reads are answered.
        Assert.Equal(alone[gigs[1]], Shape(await batcher.ReadAsync(gigs[1]), scoring));
    }

    private static ScoreReads Reads(ScoringHarness scoring) => scoring.Host.Services.GetRequiredService<ScoreReads>();

    private static GigReadBatcher Batcher(ScoringHarness scoring) => scoring.Host.Services.GetRequiredService<GigReadBatcher>();

    /// <summary>The score test group's orders delivered (and evaluated): its Gigs in id order, and each one's answer read alone.</summary>
    private static async Task<(string[] Gigs, Dictionary<string, string> Alone)> SeedAsync(ScoringHarness scoring, bool evaluate)
    {
        var orders = ScoreTests.Group();
        await scoring.DeliverAsync(orders);
        if (evaluate)
        {
            await scoring.RunEvaluationAsync();
        }

        string[] gigs = [.. orders.Select(o => o.GigId).Distinct().Order()];
        var alone = new Dictionary<string, string>();
        foreach (var gig in gigs)
        {
            alone[gig] = Shape(await Reads(scoring).GigAsync(gig), scoring);
        }

        return (gigs, alone);
    }

    /// <summary><paramref name="count"/> reads of the Gigs in turn, started while Redis is paused, each finished (answered or failed).</summary>
    private static async Task<List<(string Gig, Task<ScoringRead?> Read)>> ReadTogetherAsync(ScoringHarness scoring, GigReadBatcher batcher, string[] gigs, int count)
    {
        await PauseRedisAsync(scoring);
        var started = Enumerable.Range(0, count).Select(i => (Gig: gigs[i % gigs.Length], Read: batcher.ReadAsync(gigs[i % gigs.Length]))).ToList();
        await Task.WhenAll(started.Select(s => s.Read).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        return started;
    }

    /// <summary>What a score answer is made of: the Gig, its group and group size, and its score.</summary>
    private static string Shape(ScoringRead? read, ScoringHarness scoring) =>
        read is null ? "unknown" : string.Join("; ", read.Scored(scoring.Policy).Select(g => $"{g.Gig.GigId} {g.Group?.RedisKeySuffix} {g.GroupSize} {g.Score}"));

    /// <summary>Redis answers no client for a moment; commands sent meanwhile wait for it.</summary>
    private static Task PauseRedisAsync(ScoringHarness scoring) => scoring.Db.ExecuteAsync("CLIENT", "PAUSE", "300", "ALL");

    /// <summary>Read-script calls Redis has run so far (by SHA1 or, after a NOSCRIPT, by text).</summary>
    private static async Task<long> ScriptCallsAsync(ScoringHarness scoring)
    {
        string stats = (string)(await scoring.Db.ExecuteAsync("INFO", "commandstats"))!;
        long calls = 0;
        foreach (var line in stats.Split('\n'))
        {
            if (line.StartsWith("cmdstat_evalsha_ro:", StringComparison.Ordinal) || line.StartsWith("cmdstat_eval_ro:", StringComparison.Ordinal))
            {
                calls += long.Parse(line.Split(':')[1].Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }
}
