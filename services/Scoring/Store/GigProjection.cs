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
    /// while the order is unknown, or when nothing the score depends on changed.
    /// </summary>
    public async Task StageAsync(UnitOfWork work, string orderId, OrderRecord before, OrderRecord after)
    {
        var facts = after.ToFacts(orderId, Options.ToUsd);
        if (facts is null)
        {
            return;
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
            return;
        }

        // The live generation of the aggregates (a commit condition: a rebuild's switch makes this commit run again).
        var generation = await GenerationState.ReadAsync(work);
        var keys = generation.LiveKeys;
        var gigKey = keys.Gig(after.GigId);
        var gig = GigRecord.FromFields(after.GigId, HashReader.From($"scoring gig {after.GigId}", await work.ReadHashAsync(gigKey)));
        if (gig.Exists && gig.SellerId != after.SellerId)
        {
            throw new MalformedEventException($"order {orderId} names seller {after.SellerId} for Gig {gig.GigId}, which belongs to {gig.SellerId}");
        }

        var prior = gig.Clone();
        gig.SellerId = after.SellerId;
        gig.TakePriceFrom(orderId, after.CreatedTicks, facts.AmountUsd, after.Category, Policy);
        var counted = keys.Generation == 0 ? before.Counted : await CountedAsync(keys, orderId, after.GigId);
        await UpdateSumsAsync(work, keys, gig, orderId, counted, facts);
        gig.Revision++;

        work.HashSet(gigKey, gig.ToFields().Entries);
        work.SetAdd(ScoringKeys.GigOrders(gig.GigId), orderId);
        work.SetAdd(ScoringKeys.SellerGigs(gig.SellerId), gig.GigId);
        generation.StageTouched(work, gig.GigId);
        await peers.StageMoveAsync(work, prior, gig, keys);
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

    private async Task UpdateSumsAsync(UnitOfWork work, KeySpace keys, GigRecord gig, string orderId, OrderContribution? counted, OrderFacts facts)
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
            await RebuildAsync(work, keys, gig, orderId, time, facts, newMax);
            return;
        }

        if (counted is { } previous)
        {
            aggregate.Subtract(previous);
            Uncount(work, keys, orderId, gig.GigId);
        }

        if (time is not { } at)
        {
            return;
        }

        if (!aggregate.HasOrders)
        {
            aggregate.StartAt(ForwardDecay.LandmarkFor(at, Policy));
        }

        if (aggregate.WindowDropAfter(newMax, Policy) is { } drop)
        {
            var leaving = await redis.Database.SortedSetRangeByScoreAsync(includedKey, drop.From, drop.To, Exclude.Stop);
            foreach (var id in leaving.Select(v => (string)v!).Where(id => id != orderId))
            {
                if (await CountedAsync(keys, id, gig.GigId) is { } stored)
                {
                    aggregate.Subtract(stored);
                    Uncount(work, keys, id, gig.GigId);
                }
            }
        }

        if (at < ForwardDecay.WindowStart(newMax, Policy))
        {
            return; // arrived already outside the evaluation window
        }

        Count(work, keys, gig.GigId, aggregate, orderId, OrderContribution.From(facts, Policy, aggregate.LandmarkSeconds));
    }

    /// <summary>
    /// Recomputes the Gig's sums from its stored facts: when the landmark moves, or when the most
    /// recent counted order stopped counting (the window then reaches further back). O(orders in window).
    /// </summary>
    private async Task RebuildAsync(UnitOfWork work, KeySpace keys, GigRecord gig, string orderId, long? time, OrderFacts facts, long newMax)
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
                counted.Add(Count(work, keys, gig.GigId, null, id, OrderContribution.From(other, Policy, landmark)));
            }
            else if ((keys.Generation == 0 ? record.Counted : await CountedAsync(keys, id, gig.GigId)) is not null)
            {
                Uncount(work, keys, id, gig.GigId);
            }
        }

        if (time >= windowStart)
        {
            counted.Add(Count(work, keys, gig.GigId, null, orderId, OrderContribution.From(facts, Policy, landmark)));
        }
        else
        {
            Uncount(work, keys, orderId, gig.GigId);
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
