using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Marketplace.Scoring.Store;

/// <summary>
/// Applies the new facts of one order to its Gig inside an event's unit of work: what
/// <see cref="GigLedger.Upsert"/> does in memory, against Redis (docs/scoring.md "Evaluation
/// period"). The Gig's sums then depend only on the set of latest facts of its orders, never
/// on the order in which events arrived, and the peer groups follow in the same commit.
/// </summary>
public sealed class GigProjection(RedisConnection redis, IOptions<ScoringOptions> settings, PeerGroupStore peers)
{
    private ScoringOptions Options => settings.Value;

    private ScoringPolicy Policy => Options.Policy;

    /// <summary>
    /// Stages the Gig's change for an order whose record goes from <paramref name="before"/> to
    /// <paramref name="after"/> (the record itself is written by the caller). Nothing is staged
    /// while the order is unknown, or when nothing the score depends on changed. Returns whether the
    /// Gig now scores differently (<see cref="GigRecord.ScoresAs"/>: it is new, or its seller, peer
    /// groups or sums changed): an order that was placed, started or delivered leaves the sums as
    /// they were until its outcome counts, and only its price is taken.
    /// </summary>
    public async Task<bool> StageAsync(UnitOfWork work, string orderId, OrderRecord before, OrderRecord after)
    {
        var facts = after.ToFacts(orderId, Options.ToUsd);
        if (facts is null)
        {
            return false;
        }

        if (before.HasOrder && (before.GigId != after.GigId || before.SellerId != after.SellerId))
        {
            throw new MalformedEventException($"order {orderId} moved from Gig {before.GigId} of {before.SellerId} to Gig {after.GigId} of {after.SellerId}");
        }

        if (facts.Validate() is { Count: > 0 } problems)
        {
            throw new MalformedEventException($"order {orderId} has invalid facts: {string.Join("; ", problems)}");
        }

        var previous = before.ToFacts(orderId, Options.ToUsd);
        if (facts == previous)
        {
            return false;
        }

        // The live generation of the aggregates (a commit condition: a rebuild's switch makes this commit run again).
        var generation = await GenerationState.ReadAsync(work);
        var keys = generation.LiveKeys;
        var gigKey = keys.Gig(after.GigId);
        // The Gig's whole hash, its commit condition the one field every writer raises (GigRecord: "rev").
        var gig = GigRecord.FromFields(after.GigId, HashReader.From($"scoring gig {after.GigId}", await work.ReadVersionedHashAsync(gigKey, GigRecord.RevisionField)));
        if (gig.Exists && gig.SellerId != after.SellerId)
        {
            throw new MalformedEventException($"order {orderId} names seller {after.SellerId} for Gig {gig.GigId}, which belongs to {gig.SellerId}");
        }

        var prior = gig.Clone();
        bool storedPerField = gig.StoredPerField;
        gig.SellerId = after.SellerId;
        gig.TakePriceFrom(orderId, after.CreatedTicks, after.FirstDeliveredTicks is not null, facts.AmountUsd, after.Category, Policy);
        var counted = keys.Generation == 0 ? before.Counted : await CountedAsync(keys, orderId, after.GigId);
        var changes = new List<OrderChange>();
        await UpdateSumsAsync(work, keys, gig, orderId, counted, previous, facts, changes);
        gig.Revision++;
        EvaluationHistory.StageChanges(work, gig.GigId, gig.Revision, changes);

        if (storedPerField)
        {
            // The earlier layout, a field per integer: replaced whole, no field of it left behind.
            work.KeyDelete(gigKey);
        }

        work.HashSet(gigKey, gig.ToEntries());
        work.SetAdd(ScoringKeys.GigOrders(gig.GigId), orderId);
        work.SetAdd(ScoringKeys.SellerGigs(gig.SellerId), gig.GigId);
        generation.StageTouched(work, gig.GigId);
        await peers.StageMoveAsync(work, prior, gig, keys);
        return !gig.ScoresAs(prior);
    }

    /// <summary>
    /// The contribution an order adds in a generation ≥ 1 (kept with its Gig, not in the order's hash).
    /// Not a commit condition: it changes only in commits that also change the Gig's hash, which is one.
    /// </summary>
    private async Task<OrderContribution?> CountedAsync(KeySpace keys, string orderId, string gigId)
    {
        var (key, field) = keys.Contribution(orderId, gigId);
        var stored = await redis.Database.HashGetAsync(key, field);
        return stored.IsNullOrEmpty ? null : OrderRecord.ParseContribution(stored!);
    }

    private async Task UpdateSumsAsync(UnitOfWork work, KeySpace keys, GigRecord gig, string orderId, OrderContribution? counted, OrderFacts? previous, OrderFacts facts, List<OrderChange> changes)
    {
        var aggregate = gig.Aggregate;
        var includedKey = keys.GigIncluded(gig.GigId);
        long? time = AreaIndexer.IsIncluded(facts, Policy) ? facts.OutcomeAt!.Value.ToUnixTimeSeconds() : null;
        if (time is { } t)
        {
            work.SortedSetAdd(includedKey, orderId, t);
        }
        else
        {
            work.SortedSetRemove(includedKey, orderId);
        }

        // The most recent included order once this one has its new time.
        var top = await redis.Database.SortedSetRangeByRankWithScoresAsync(includedKey, 0, 1, Order.Descending);
        long newMax = top.Where(e => (string?)e.Element != orderId).Select(e => (long)e.Score).DefaultIfEmpty(long.MinValue).First();
        if (time > newMax)
        {
            newMax = time.Value;
        }

        if (newMax < aggregate.MaxOutcomeSeconds || (aggregate.HasOrders && aggregate.RequiresRebuild(newMax, Policy)))
        {
            await RebuildAsync(work, keys, gig, orderId, counted, previous, time, facts, newMax, changes);
            return;
        }

        if (counted is { } was)
        {
            aggregate.Subtract(was);
            Uncount(work, keys, orderId, gig.GigId);
        }

        if (time is not { } at)
        {
            if (counted is not null)
            {
                changes.Add(new OrderChange(orderId, ReasonFor(previous, facts, counted, null), counted, null));
            }

            return;
        }

        if (!aggregate.HasOrders)
        {
            aggregate.StartAt(ForwardDecay.LandmarkFor(at, Policy));
        }

        if (aggregate.WindowDropAfter(newMax, Policy) is { } drop)
        {
            var dropped = await redis.Database.SortedSetRangeByScoreAsync(includedKey, drop.From, drop.To, Exclude.Stop);
            foreach (var id in dropped.Select(v => (string)v!).Where(id => id != orderId))
            {
                if (await CountedAsync(keys, id, gig.GigId) is { } stored)
                {
                    aggregate.Subtract(stored);
                    Uncount(work, keys, id, gig.GigId);
                    changes.Add(new OrderChange(id, ChangeReason.WindowDrop, stored, null));
                }
            }
        }

        if (at < ForwardDecay.WindowStart(newMax, Policy))
        {
            // arrived already outside the evaluation window
            if (counted is not null)
            {
                changes.Add(new OrderChange(orderId, ReasonFor(previous, facts, counted, null), counted, null));
            }

            return;
        }

        var now = Count(work, keys, gig.GigId, aggregate, orderId, OrderContribution.From(facts, Policy, aggregate.LandmarkSeconds));
        changes.Add(new OrderChange(orderId, ReasonFor(previous, facts, counted, now), counted, now));
    }

    /// <summary>
    /// Why an order's own contribution went from <paramref name="was"/> to <paramref name="now"/>:
    /// it entered (new order), left (no longer counting: exclusion; still counting: the window),
    /// or changed (its review published, changed or removed; other facts).
    /// </summary>
    private ChangeReason ReasonFor(OrderFacts? previous, OrderFacts facts, OrderContribution? was, OrderContribution? now)
    {
        if (was is null)
        {
            return ChangeReason.NewOrder;
        }

        if (now is null)
        {
            return AreaIndexer.IsIncluded(facts, Policy) ? ChangeReason.WindowDrop : ChangeReason.Exclusion;
        }

        if (previous?.Review is not null && facts.Review is null)
        {
            return ChangeReason.ReviewRemoved;
        }

        return previous?.Review != facts.Review || previous?.PrivateRating != facts.PrivateRating ? ChangeReason.Review : ChangeReason.OrderUpdated;
    }

    /// <summary>
    /// Recomputes the Gig's sums from its stored facts: when the landmark moves, or when the most
    /// recent counted order stopped counting (the window then reaches further back). O(orders in window).
    /// </summary>
    private async Task RebuildAsync(UnitOfWork work, KeySpace keys, GigRecord gig, string orderId, OrderContribution? was, OrderFacts? previous, long? time, OrderFacts facts, long newMax, List<OrderChange> changes)
    {
        var aggregate = gig.Aggregate;
        var includedKey = keys.GigIncluded(gig.GigId);
        long oldStart = aggregate.HasOrders ? ForwardDecay.WindowStart(aggregate.MaxOutcomeSeconds, Policy) : long.MaxValue;
        long windowStart = newMax == long.MinValue ? long.MaxValue : ForwardDecay.WindowStart(newMax, Policy);
        long landmark = newMax == long.MinValue ? long.MinValue : ForwardDecay.LandmarkFor(newMax, Policy);

        var counted = new List<OrderContribution>();
        var candidates = await redis.Database.SortedSetRangeByScoreWithScoresAsync(includedKey, Math.Min(oldStart, windowStart));
        foreach (var entry in candidates.Where(e => (string?)e.Element != orderId))
        {
            string id = entry.Element!;
            var record = await GetOrderAsync(id);
            if ((long)entry.Score >= windowStart && record.ToFacts(id, Options.ToUsd) is { } other)
            {
                var wasCounted = keys.Generation == 0 ? record.Counted : await CountedAsync(keys, id, gig.GigId);
                var back = Count(work, keys, gig.GigId, null, id, OrderContribution.From(other, Policy, landmark));
                counted.Add(back);
                if (wasCounted is null)
                {
                    changes.Add(new OrderChange(id, ChangeReason.WindowReturn, null, back));
                }
            }
            else if ((keys.Generation == 0 ? record.Counted : await CountedAsync(keys, id, gig.GigId)) is { } leaving)
            {
                Uncount(work, keys, id, gig.GigId);
                changes.Add(new OrderChange(id, ChangeReason.WindowDrop, leaving, null));
            }
        }

        OrderContribution? now = null;
        if (time >= windowStart)
        {
            now = Count(work, keys, gig.GigId, null, orderId, OrderContribution.From(facts, Policy, landmark));
            counted.Add(now.Value);
        }
        else
        {
            Uncount(work, keys, orderId, gig.GigId);
        }

        if (was is not null || now is not null)
        {
            changes.Add(new OrderChange(orderId, ReasonFor(previous, facts, was, now), was, now));
        }

        aggregate.Rebuild(landmark, newMax, counted);
    }

    /// <summary>An order's record outside any unit of work.</summary>
    public async Task<OrderRecord> GetOrderAsync(string orderId) =>
        OrderRecord.FromFields(HashReader.From(OrderRecordName(orderId), await redis.Database.HashGetAllAsync(ScoringKeys.Order(orderId))));

    /// <summary>An order's record as the unit of work reads it (a commit condition).</summary>
    public static async Task<OrderRecord> ReadOrderAsync(UnitOfWork work, string orderId) =>
        OrderRecord.FromFields(HashReader.From(OrderRecordName(orderId), await work.ReadHashAsync(ScoringKeys.Order(orderId))));

    /// <summary>Stages an order's new record, replacing the whole hash (its counted contribution included).</summary>
    public static void StageOrder(UnitOfWork work, string orderId, OrderRecord record)
    {
        var key = ScoringKeys.Order(orderId);
        work.KeyDelete(key);
        work.HashSet(key, record.ToFields().Entries);
    }

    private static string OrderRecordName(string orderId) => $"scoring order {orderId}";

    private static OrderContribution Count(UnitOfWork work, KeySpace keys, string gigId, GigAggregate? aggregate, string orderId, OrderContribution contribution)
    {
        aggregate?.Add(contribution);
        var (key, field) = keys.Contribution(orderId, gigId);
        work.HashSet(key, field, OrderRecord.FormatContribution(contribution));
        return contribution;
    }

    private static void Uncount(UnitOfWork work, KeySpace keys, string orderId, string gigId)
    {
        var (key, field) = keys.Contribution(orderId, gigId);
        work.HashDelete(key, field);
    }
}
