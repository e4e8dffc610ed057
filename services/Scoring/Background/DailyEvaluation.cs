using System.Diagnostics;
using System.Globalization;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Hosting.Background;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Evaluation;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Marketplace.Scoring.Background;

/// <summary>What one run of the daily evaluation did.</summary>
/// <param name="SellersParked">Sellers whose stored data could not be read: parked with the reason (<see cref="ScoringKeys.ParkedSellers"/>), not counted as evaluated.</param>
public sealed record EvaluationRun(int PeerGroups, int GigsRanked, int SellersEvaluated, int LevelChanges, int FlagChanges, DateTimeOffset At, int SellersParked);

/// <summary>
/// The daily evaluation (SPEC 5.4, 5.5, docs/scoring.md): first every peer group takes a new
/// means snapshot from its sums and re-ranks its Gigs at it; then every seller's level and flag
/// are evaluated. With no new events it reproduces the same snapshot, rankings and scores, so
/// time alone changes no score. Runs every <see cref="ScoringOptions.EvaluationInterval"/>, on one
/// replica at a time (a lease in Redis), and on demand through the RunEvaluation RPC. The next
/// due time is kept in Redis, so a restart neither skips nor repeats a run; this loop only looks
/// every <see cref="Interval"/> whether a run is due (a failed look or run is logged and tried at
/// the next one).
/// </summary>
public sealed class DailyEvaluation(
    UnitOfWorkExecutor executor, RedisConnection redis, EvaluationSchedule schedule, PeerGroupStore peers, EvaluationHistory history, SellerStore sellerStore, SellerEvaluator evaluator,
    IOptions<ScoringOptions> options, TimeProvider clock, ILogger<DailyEvaluation> logger) : BackgroundLoop(clock, logger)
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(30);

    /// <summary>Groups refreshed at the same time by a run (a commit of a large group, or of one of its chunks, is a long script: few at once, so that live calls wait behind few of them).</summary>
    private const int LargeGroupsInFlight = 3;

    /// <summary>
    /// Small groups refreshed at the same time, once the large ones are done: a run over many small groups is bound by round
    /// trips, not by Redis. Small is at most <see cref="ScoringOptions.EvaluationChunkGigs"/> × <see cref="LargeGroupsInFlight"/> /
    /// <see cref="SmallGroupsInFlight"/> Gigs (500 by default), so the Gigs being refreshed at once stay within
    /// <see cref="LargeGroupsInFlight"/> chunks either way.
    /// </summary>
    private const int SmallGroupsInFlight = 12;

    /// <summary>Sellers evaluated in one unit of work by a run: their reads in one round trip each, one read script, one commit.</summary>
    private const int SellersPerBatch = 32;

    /// <summary>Batches of sellers evaluated at the same time by a run, so that their round trips overlap.</summary>
    private const int BatchesInFlight = 4;
    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    protected override TimeSpan Interval => TimeSpan.FromSeconds(30);

    private TimeSpan EvaluationInterval => options.Value.EvaluationInterval;

    /// <summary>Runs the evaluation when it is due and no other replica holds the lease; schedules the first run on the platform's first start.</summary>
    public override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        if (await schedule.NextDueAsync() is not { } due)
        {
            // First start of the platform: the first run is one interval from now.
            await schedule.ScheduleFirstAsync(now + EvaluationInterval);
            return;
        }

        if (due > now || !await schedule.TryTakeLeaseAsync(_owner, LeaseTime))
        {
            return;
        }

        try
        {
            CountHandled();
            await RunAsync(cancellationToken);
        }
        finally
        {
            await schedule.ReleaseLeaseAsync(_owner);
        }
    }

    /// <summary>The next run's due time, when it is after <paramref name="after"/> (the simulated clock's next stop).</summary>
    protected override async Task<DateTimeOffset?> NextDueAsync(DateTimeOffset after) =>
        await schedule.NextDueAsync() is { } due && due > after ? due : null;

    /// <summary>
    /// A group of more than <see cref="ScoringOptions.EvaluationChunkGigs"/> Gigs, refreshed in commits
    /// of at most that many Gigs so that no script holds Redis for the whole group (docs/scale.md):
    /// first the new means snapshot alone (from then on, every live change ranks its Gig at it), then
    /// the Gigs listed in the ranking re-ranked at it a chunk per commit (each Gig's hash a condition),
    /// then the group's history snapshot and its Gigs' entries a chunk per commit. With no change
    /// meanwhile the result is the same as the one-commit refresh: the same snapshot, ranking and
    /// history. While it runs, the Gigs of the chunks not yet done keep their qualities at the previous
    /// snapshot (reads see the group half re-ranked for that time). A crash in between leaves the new
    /// snapshot and part of the ranking; the next evaluation re-ranks every Gig.
    /// </summary>
    private async Task<int> RefreshInChunksAsync(string group, DateTimeOffset now, IReadOnlyList<long> expired, KeySpace keys, CancellationToken cancellationToken)
    {
        int chunk = options.Value.EvaluationChunkGigs;
        bool switched = false;
        PeerMeans? means = null;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            // A rebuild that switched generations meanwhile took its own snapshot of every group.
            switched = (await GenerationState.ReadAsync(work)).Live != keys.Generation;
            means = switched ? null : await peers.StageMeansSnapshotAsync(work, group, now, keys);
        }, cancellationToken);
        if (switched)
        {
            return 0;
        }

        var members = (await redis.Database.SortedSetRangeByRankAsync(keys.PeerRanking(group))).Select(m => (string)m!).ToArray();
        var ranked = new List<RefreshedGig>(members.Length);
        foreach (var ids in members.Chunk(chunk))
        {
            IReadOnlyList<RefreshedGig> done = [];
            await executor.ExecuteAsync(null, async (work, _) =>
            {
                switched = (await GenerationState.ReadAsync(work)).Live != keys.Generation;
                done = switched ? [] : await peers.StageRankChunkAsync(work, group, ids, keys);
            }, cancellationToken);
            if (switched)
            {
                return 0;
            }

            ranked.AddRange(done);
        }

        var refresh = new GroupRefresh(group, means!, ranked);
        var percentiles = Percentile.OfAll(ranked.Select(g => g.Quality).ToList());
        await executor.ExecuteAsync(null, (work, _) =>
        {
            history.StageEvaluation(work, now);
            EvaluationHistory.StageGroupSnapshot(work, refresh, now, expired);
            return Task.CompletedTask;
        }, cancellationToken);
        for (int start = 0; start < ranked.Count; start += chunk)
        {
            int from = start, count = Math.Min(chunk, ranked.Count - start);
            await executor.ExecuteAsync(null, (work, _) => history.StageGigEntriesAsync(work, refresh, percentiles, from, count, now, keys), cancellationToken);
        }

        return ranked.Count;
    }

    /// <summary>
    /// The daily evaluation of <paramref name="batch"/>: one unit of work for all of them (their dirty
    /// marks and records its commit conditions, a change meanwhile re-runs it). When the batch cannot
    /// commit (one seller's data cannot be evaluated, or their changes kept racing it), each seller
    /// is evaluated in their own unit of work; a seller whose stored data cannot be read is parked
    /// with the reason (null in the results) and the run goes on with the others.
    /// </summary>
    private async Task<IReadOnlyList<SellerEvaluation?>> EvaluateSellersAsync(IReadOnlyList<string> batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            return await EvaluateTogetherAsync(batch, now, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && batch.Count > 1)
        {
            Logger.LogInformation("Evaluation of {Count} sellers from {First} as one batch failed ({Error}); each seller on their own", batch.Count, batch[0], e.Message);
        }

        var results = new List<SellerEvaluation?>(batch.Count);
        foreach (var seller in batch)
        {
            try
            {
                results.Add((await EvaluateTogetherAsync([seller], now, cancellationToken))[0]);
            }
            catch (FormatException e)
            {
                // The seller's stored data cannot be read (HashReader and the records say which field):
                // every run would fail the same way. Anything else (Redis away, changes that kept
                // racing) fails the run, which is tried again whole at the next look.
                Logger.LogError(e, "Daily evaluation of seller {SellerId} failed; parked, the others go on", seller);
                await sellerStore.ParkAsync(seller, $"daily evaluation: {e.GetType().Name}: {e.Message}", now);
                results.Add(null);
            }
        }

        return results;
    }

    private async Task<IReadOnlyList<SellerEvaluation>> EvaluateTogetherAsync(IReadOnlyList<string> sellers, DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<SellerEvaluation> results = [];
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            await SellerStore.ReadDirtyMarksAsync(work, sellers); // a change meanwhile re-runs this
            results = await evaluator.StageAllAsync(work, sellers, EvaluationKind.Daily, now);
            foreach (var seller in sellers)
            {
                SellerStore.StageEvaluated(work, seller);
            }
        }, cancellationToken);
        return results;
    }

    /// <summary>Refreshes one group (in chunks when it has more than <see cref="ScoringOptions.EvaluationChunkGigs"/> Gigs); returns the Gigs ranked.</summary>
    private async Task<int> RefreshGroupAsync(string group, long size, DateTimeOffset now, IReadOnlyList<long> expired, KeySpace keys, CancellationToken cancellationToken)
    {
        if (size > options.Value.EvaluationChunkGigs)
        {
            return await RefreshInChunksAsync(group, now, expired, keys, cancellationToken);
        }

        int count = 0;
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            // A rebuild that switched generations meanwhile took its own snapshot of every group.
            if ((await GenerationState.ReadAsync(work)).Live != keys.Generation)
            {
                count = 0;
                return;
            }

            // The group's new snapshot and ranking and its part of the history, in one commit.
            var refresh = await peers.StageRefreshAsync(work, group, now, keys);
            history.StageEvaluation(work, now);
            await history.StageGroupAsync(work, refresh, now, expired, keys);
            count = refresh.Gigs.Count;
        }, cancellationToken);
        return count;
    }

    /// <summary>Runs the whole evaluation now and schedules the next one an interval later.</summary>
    public async Task<EvaluationRun> RunAsync(CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        long started = Stopwatch.GetTimestamp();
        var keys = (await GenerationState.ReadAsync(redis.Database)).LiveKeys;
        var groups = await peers.AllGroupsAsync(keys);
        var expired = await history.ExpiredAsync(now);
        // Groups share no key a refresh writes or checks (a Gig's two groups rank it in two rankings,
        // and its history entry comes from one of them), so several are refreshed at once, the
        // largest first so that the last to finish is a small one: the large ones a few at a time,
        // then the small ones more at a time.
        var sizes = await Task.WhenAll(groups.Select(group => redis.Database.SortedSetLengthAsync(keys.PeerRanking(group))));
        var bySize = groups.Select((group, i) => (Group: group, Size: sizes[i])).OrderByDescending(g => g.Size).ThenBy(g => g.Group, StringComparer.Ordinal);
        int ranked = 0;
        long small = (long)options.Value.EvaluationChunkGigs * LargeGroupsInFlight / SmallGroupsInFlight;
        await RefreshAsync(bySize.Where(g => g.Size > small), LargeGroupsInFlight);
        await RefreshAsync(bySize.Where(g => g.Size <= small), SmallGroupsInFlight);

        Task RefreshAsync(IEnumerable<(string Group, long Size)> part, int inFlight) =>
            Parallel.ForEachAsync(part, new ParallelOptions { MaxDegreeOfParallelism = inFlight, CancellationToken = cancellationToken }, async (g, ct) =>
                Interlocked.Add(ref ranked, await RefreshGroupAsync(g.Group, g.Size, now, expired, keys, ct)));

        await executor.ExecuteAsync(null, (work, _) =>
        {
            history.StageEvaluation(work, now);
            EvaluationHistory.StageForget(work, expired);
            return Task.CompletedTask;
        }, cancellationToken);
        Logger.LogInformation("Evaluation at {At}: {Groups} peer groups refreshed, {Gigs} Gigs ranked in {Seconds:F1} s; the sellers next",
            now.ToString("O", CultureInfo.InvariantCulture), groups.Count, ranked, Stopwatch.GetElapsedTime(started).TotalSeconds);

        // The sellers in batches, each batch one unit of work (sellers share no key but their field
        // of the dirty mark), several batches at once so that their round trips overlap.
        var sellers = await sellerStore.AllSellersAsync();
        int levelChanges = 0, flagChanges = 0, parked = 0;
        await Parallel.ForEachAsync(sellers.Chunk(SellersPerBatch), new ParallelOptions { MaxDegreeOfParallelism = BatchesInFlight, CancellationToken = cancellationToken }, async (batch, ct) =>
        {
            foreach (var result in await EvaluateSellersAsync(batch, now, ct))
            {
                if (result is null)
                {
                    Interlocked.Increment(ref parked);
                    continue;
                }

                if (result.Level.LevelChanged)
                {
                    Interlocked.Increment(ref levelChanges);
                }

                if (result.Flag.Changed)
                {
                    Interlocked.Increment(ref flagChanges);
                }
            }
        });

        await schedule.RecordRunAsync(now, now + EvaluationInterval);
        var run = new EvaluationRun(groups.Count, ranked, sellers.Count - parked, levelChanges, flagChanges, now, parked);
        Logger.LogInformation(
            "Evaluation at {At}: {Groups} peer groups, {Gigs} Gigs ranked, {Sellers} sellers, {Levels} level changes, {Flags} flag changes, {Parked} sellers parked, in {Seconds:F1} s",
            now.ToString("O", CultureInfo.InvariantCulture), run.PeerGroups, run.GigsRanked, run.SellersEvaluated, run.LevelChanges, run.FlagChanges, run.SellersParked, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return run;
    }
}
