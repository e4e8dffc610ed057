using System.Globalization;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Marketplace.Scoring.Evaluation;

/// <summary>What one run of the daily evaluation did.</summary>
public sealed record EvaluationRun(int PeerGroups, int GigsRanked, int SellersEvaluated, int LevelChanges, int FlagChanges, DateTimeOffset At);

/// <summary>
/// The daily evaluation (SPEC 5.4, 5.5, docs/scoring.md): first every peer group takes a new
/// means snapshot from its sums and re-ranks its Gigs at it; then every seller's level and flag
/// are evaluated. With no new events it reproduces the same snapshot, rankings and scores, so
/// time alone changes no score. Runs every <see cref="ScoringOptions.EvaluationInterval"/>, on one
/// replica at a time (a lease in Redis), and on demand through the RunEvaluation RPC. The next
/// due time is kept in Redis, so a restart neither skips nor repeats a run.
/// </summary>
public sealed class DailyEvaluation(
    UnitOfWorkExecutor executor, RedisConnection redis, PeerGroupStore peers, SellerEvaluator evaluator, ScoringOptions options,
    TimeProvider clock, ILogger<DailyEvaluation> logger) : BackgroundService
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(30);
    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval);
        do
        {
            try
            {
                await RunIfDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Daily evaluation failed; retrying at the next check");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RunIfDueAsync(CancellationToken cancellationToken)
    {
        var db = redis.Database;
        var now = clock.GetUtcNow();
        var due = await db.HashGetAsync(ScoringKeys.Evaluation, "next_due");
        if (due.IsNull)
        {
            // First start of the platform: the first run is one interval from now.
            await db.HashSetAsync(ScoringKeys.Evaluation, "next_due", (now + options.EvaluationInterval).ToUnixTimeMilliseconds(), When.NotExists);
            return;
        }

        if ((long)due > now.ToUnixTimeMilliseconds()
            || !await db.StringSetAsync(ScoringKeys.EvaluationLease, _owner, LeaseTime, When.NotExists))
        {
            return;
        }

        try
        {
            await RunAsync(cancellationToken);
        }
        finally
        {
            if ((string?)await db.StringGetAsync(ScoringKeys.EvaluationLease) == _owner)
            {
                await db.KeyDeleteAsync(ScoringKeys.EvaluationLease);
            }
        }
    }

    /// <summary>Runs the whole evaluation now and schedules the next one an interval later.</summary>
    public async Task<EvaluationRun> RunAsync(CancellationToken cancellationToken)
    {
        var db = redis.Database;
        var now = clock.GetUtcNow();
        var groups = (await db.SetMembersAsync(ScoringKeys.PeerGroups)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();
        int ranked = 0;
        foreach (var group in groups)
        {
            int count = 0;
            await executor.ExecuteAsync(null, async (work, _) => count = await peers.StageRefreshAsync(work, group, now), cancellationToken);
            ranked += count;
        }

        var sellers = (await db.SetMembersAsync(ScoringKeys.Sellers)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();
        int levelChanges = 0, flagChanges = 0;
        foreach (var seller in sellers)
        {
            SellerEvaluation? result = null;
            await executor.ExecuteAsync(null, async (work, _) =>
            {
                await work.ReadHashFieldAsync(ScoringKeys.DirtySellers, seller); // a change meanwhile re-runs this
                result = await evaluator.StageAsync(work, seller, EvaluationKind.Daily, now);
                work.HashDelete(ScoringKeys.DirtySellers, seller);
            }, cancellationToken);
            levelChanges += result!.Level.LevelChanged ? 1 : 0;
            flagChanges += result.Flag.Changed ? 1 : 0;
        }

        await db.HashSetAsync(ScoringKeys.Evaluation,
        [
            new HashEntry("last_run", now.ToUnixTimeMilliseconds()),
            new HashEntry("next_due", (now + options.EvaluationInterval).ToUnixTimeMilliseconds()),
        ]);
        var run = new EvaluationRun(groups.Count, ranked, sellers.Count, levelChanges, flagChanges, now);
        logger.LogInformation(
            "Evaluation at {At}: {Groups} peer groups, {Gigs} Gigs ranked, {Sellers} sellers, {Levels} level changes, {Flags} flag changes",
            now.ToString("O", CultureInfo.InvariantCulture), run.PeerGroups, run.GigsRanked, run.SellersEvaluated, run.LevelChanges, run.FlagChanges);
        return run;
    }
}
