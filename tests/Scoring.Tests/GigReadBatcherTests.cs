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
    private const int Reads = 200;

    [Fact]
    public async Task Concurrent_reads_share_script_calls_and_each_caller_gets_its_own_Gig_s_answer()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var orders = ScoreTests.Group();
        await scoring.DeliverAsync(orders);
        await scoring.RunEvaluationAsync();
        string[] gigs = [.. orders.Select(o => o.GigId).Distinct().Order(), "no-such-gig"];
        var (reads, batcher) = Parts(scoring);
        var alone = new Dictionary<string, string>();
        foreach (var gig in gigs)
        {
            alone[gig] = Shape(await reads.GigAsync(gig), scoring);
        }

        long callsBefore = await ScriptCallsAsync(scoring);
        await PauseRedisAsync(scoring);
        var together = await Task.WhenAll(Enumerable.Range(0, Reads).Select(i => batcher.ReadAsync(gigs[i % gigs.Length])));
        long calls = await ScriptCallsAsync(scoring) - callsBefore;

        for (int i = 0; i < Reads; i++)
        {
            Assert.Equal(alone[gigs[i % gigs.Length]], Shape(together[i], scoring));
        }

        // At least Reads / MaxBatch calls (a batch holds at most MaxBatch Gigs); far fewer than one per read.
        Assert.InRange(calls, (Reads + GigReadBatcher.MaxBatch - 1) / GigReadBatcher.MaxBatch, Reads / 4);
        Assert.Equal("unknown", alone["no-such-gig"]);
    }

    [Fact]
    public async Task A_Gig_whose_data_cannot_be_read_fails_its_own_callers_and_no_other_read_of_its_batch()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        var orders = ScoreTests.Group();
        await scoring.DeliverAsync(orders);
        string[] gigs = [.. orders.Select(o => o.GigId).Distinct().Order()];
        string broken = gigs[1];
        var (reads, batcher) = Parts(scoring);
        var alone = new Dictionary<string, string>();
        foreach (var gig in gigs)
        {
            alone[gig] = Shape(await reads.GigAsync(gig), scoring);
        }

        await scoring.Db.HashSetAsync(KeySpace.Legacy.Gig(broken), GigRecord.AggregateField, "not,numbers");
        await PauseRedisAsync(scoring);
        var started = Enumerable.Range(0, 60).Select(i => (Gig: gigs[i % gigs.Length], Read: batcher.ReadAsync(gigs[i % gigs.Length]))).ToList();
        await Task.WhenAll(started.Select(s => s.Read).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

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
        var orders = ScoreTests.Group();
        await scoring.DeliverAsync(orders);
        string[] gigs = [.. orders.Select(o => o.GigId).Distinct().Order()];
        string broken = gigs[0];
        var (reads, batcher) = Parts(scoring);
        var alone = new Dictionary<string, string>();
        foreach (var gig in gigs)
        {
            alone[gig] = Shape(await reads.GigAsync(gig), scoring);
        }

        // A string where the Gig's hash should be: the script's HGETALL fails with WRONGTYPE.
        await scoring.Db.KeyDeleteAsync(KeySpace.Legacy.Gig(broken));
        await scoring.Db.StringSetAsync(KeySpace.Legacy.Gig(broken), "not a hash");
        await PauseRedisAsync(scoring);
        var started = Enumerable.Range(0, 60).Select(i => (Gig: gigs[i % gigs.Length], Read: batcher.ReadAsync(gigs[i % gigs.Length]))).ToList();
        await Task.WhenAll(started.Select(s => s.Read).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

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

    private static (ScoreReads Reads, GigReadBatcher Batcher) Parts(ScoringHarness scoring) =>
        (scoring.Host.Services.GetRequiredService<ScoreReads>(), scoring.Host.Services.GetRequiredService<GigReadBatcher>());

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
