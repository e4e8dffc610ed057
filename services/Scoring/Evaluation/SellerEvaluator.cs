using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Scoring.Api;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using LevelMetrics = Marketplace.Scoring.Engine.LevelMetrics;
using EngineLevel = Marketplace.Scoring.Engine.SellerLevel;

namespace Marketplace.Scoring.Evaluation;

/// <summary>The outcome of one seller evaluation.</summary>
public sealed record SellerEvaluation(SellerRecord Record, LevelDecision Level, LowPerformanceDecision Flag, LevelMetrics Metrics);

/// <summary>
/// Evaluates one seller's level and low-performance flag (SPEC 5.4, 5.5) inside a unit of work
/// and stages the new state with the events search ranking consumes, so the state and its
/// events commit together. Daily evaluations count toward a demotion at most once per UTC day;
/// every other evaluation is on demand. Every evaluation starts from the level state the last
/// counted daily evaluation (or support's decision) confirmed (<see cref="LevelEvaluator.Reevaluate"/>):
/// an on-demand one promotes to what the facts qualify for now and never goes below the confirmed
/// level, so the level depends on the facts, not on when the on-demand evaluations ran.
/// </summary>
public sealed class SellerEvaluator(ScoreReads reads, IOptions<ScoringOptions> options, ILogger<SellerEvaluator> logger)
{
    private ScoringPolicy Policy => options.Value.Policy;

    public async Task<SellerEvaluation> StageAsync(UnitOfWork work, string sellerId, EvaluationKind requested, DateTimeOffset now)
    {
        var record = await SellerStore.ReadRecordAsync(work, sellerId);
        var read = await reads.SellerAsync(sellerId, ReadParts.SellerGigs | ReadParts.Metrics);
        return Stage(work, sellerId, record, read, requested, now);
    }

    /// <summary>
    /// Evaluates several sellers in one unit of work (the daily evaluation's batches): their records
    /// read in one pipelined round trip (each a commit condition), their Gigs and level facts in one
    /// read script, each seller then decided and staged as <see cref="StageAsync"/> does. Results are
    /// aligned with <paramref name="sellerIds"/>.
    /// </summary>
    public async Task<IReadOnlyList<SellerEvaluation>> StageAllAsync(UnitOfWork work, IReadOnlyList<string> sellerIds, EvaluationKind requested, DateTimeOffset now)
    {
        var records = await SellerStore.ReadRecordsAsync(work, sellerIds);
        var sellerReads = await reads.SellersAsync(sellerIds, ReadParts.SellerGigs | ReadParts.Metrics);
        return sellerIds.Select((sellerId, i) => Stage(work, sellerId, records[i], sellerReads[i], requested, now)).ToList();
    }

    private SellerEvaluation Stage(UnitOfWork work, string sellerId, SellerRecord record, ScoringRead? read, EvaluationKind requested, DateTimeOffset now)
    {
        var gigs = read is null ? [] : read.Scored(Policy).Select(g => g.Score).ToList();
        var metrics = read?.LevelMetrics(now, Policy) ?? new LevelMetrics(null, null, null, 0, 0, 0);

        string today = now.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var kind = requested == EvaluationKind.Daily && record.LastDailyEvaluation != today ? EvaluationKind.Daily : EvaluationKind.OnDemand;
        var level = LevelEvaluator.Reevaluate(record.Confirmed, record.Level, metrics, kind, now, Policy);
        var flag = LowPerformance.Decide(record.LowPerformance, gigs, Policy);
        var reasons = ScoringMessages.Reasons(LowPerformance.SellerImpacts(gigs)).ToList();

        long version = record.Version;
        if (level.LevelChanged)
        {
            version++;
            work.Publish(PlatformEvents.TypeOf(SellerLevelChanged.Descriptor), sellerId, LevelChanged(sellerId, version, level.Before.Level, level.After.Level, reasons, now));
            logger.LogInformation("Seller {SellerId}: level {Old} -> {New} ({Reason})", sellerId, level.Before.Level, level.After.Level, level.Reason);
        }

        if (flag.Changed)
        {
            version++;
            var changed = new LowPerformanceChanged
            {
                SellerId = sellerId,
                Version = version,
                OldFlagged = flag.Before,
                NewFlagged = flag.After,
                SuccessScore = flag.Score ?? 0,
                ChangedAt = Timestamp.FromDateTimeOffset(now),
            };
            changed.Reasons.AddRange(ScoringMessages.Reasons(flag.HurtingAreas));
            work.Publish(PlatformEvents.TypeOf(LowPerformanceChanged.Descriptor), sellerId, changed);
            logger.LogInformation("Seller {SellerId}: low performance {Old} -> {New} ({Reason})", sellerId, flag.Before, flag.After, flag.Reason);
        }

        var next = record with
        {
            Level = level.After,
            Confirmed = kind == EvaluationKind.Daily ? level.After : record.Confirmed,
            LowPerformance = flag.After,
            Version = version,
            EvaluatedAt = now,
            LastDailyEvaluation = kind == EvaluationKind.Daily ? today : record.LastDailyEvaluation,
        };
        SellerStore.StageRecord(work, sellerId, next);
        return new SellerEvaluation(next, level, flag, metrics);
    }

    /// <summary>Support's Top Rated decision (SPEC 5.4); without a pending candidate the engine refuses and nothing changes.</summary>
    public async Task<SellerRecord> StageTopRatedDecisionAsync(UnitOfWork work, string sellerId, bool approve, DateTimeOffset now)
    {
        var record = await SellerStore.ReadRecordAsync(work, sellerId);
        var after = approve ? LevelEvaluator.ApproveTopRated(record.Level, now) : LevelEvaluator.RejectTopRated(record.Level, now);
        long version = record.Version;
        if (after.Level != record.Level.Level)
        {
            version++;
            var read = await reads.SellerAsync(sellerId, ReadParts.SellerGigs);
            var gigs = read is null ? [] : read.Scored(Policy).Select(g => g.Score).ToList();
            var reasons = ScoringMessages.Reasons(LowPerformance.SellerImpacts(gigs)).ToList();
            work.Publish(PlatformEvents.TypeOf(SellerLevelChanged.Descriptor), sellerId, LevelChanged(sellerId, version, record.Level.Level, after.Level, reasons, now));
        }

        // Support's decision is confirmed as a daily evaluation's outcome is: an approval makes the
        // confirmed state Top Rated; a rejection is remembered in the confirmed state too, so the
        // next on-demand evaluation does not propose the seller again before the retry period.
        var confirmed = approve ? after : record.Confirmed with { TopRatedReview = after.TopRatedReview, TopRatedDecidedAt = after.TopRatedDecidedAt };
        var next = record with { Level = after, Confirmed = confirmed, Version = version };
        SellerStore.StageRecord(work, sellerId, next);
        return next;
    }

    private static SellerLevelChanged LevelChanged(string sellerId, long version, EngineLevel from, EngineLevel to, IEnumerable<Contracts.Scoring.V1.AreaImpact> reasons, DateTimeOffset now)
    {
        var changed = new SellerLevelChanged
        {
            SellerId = sellerId,
            Version = version,
            OldLevel = ScoringMessages.ToProto(from),
            NewLevel = ScoringMessages.ToProto(to),
            ChangedAt = Timestamp.FromDateTimeOffset(now),
        };
        changed.Reasons.AddRange(reasons);
        return changed;
    }
}
