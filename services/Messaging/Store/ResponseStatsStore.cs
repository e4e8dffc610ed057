using Google.Protobuf;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Messaging.Domain;
using Marketplace.Platform;
using Microsoft.Extensions.Options;
using Marketplace.Hosting;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Store;

/// <summary>
/// Keeps each seller's response statistics (SPEC 3) and publishes messaging.response_stats_changed.v1
/// (subject: the seller id) in the unit of work of every change: a conversation's facts changed (a
/// buyer opened it, the seller answered), or time moved the figures (a question's response window
/// passed unanswered, a conversation left the period; <see cref="Background.ResponseStatsLoop"/>).
/// The figures come from <see cref="ResponseRate"/>, the one computation; stats are published only
/// when they differ from the last published ones; each publication's <c>version</c> is one more, and
/// its <c>window_end</c> later, than the one before, so consumers keep the newest.
/// </summary>
public sealed class ResponseStatsStore(RedisConnection redis, IOptions<MessagingOptions> options, TimeProvider clock)
{
    /// <summary>
    /// Stages the seller's statistics at <paramref name="now"/>, after <paramref name="changed"/>'s
    /// facts when a conversation changed (null: time alone): its facts, the published stats and
    /// event when the figures moved, and when the seller is next due.
    /// </summary>
    public async Task StageAsync(UnitOfWork work, string sellerId, Conversation? changed, DateTimeOffset now) =>
        await StageAsync(work, sellerId, await ReadFactsAsync(work, sellerId), changed, now);

    /// <summary>
    /// A conversation a buyer has just opened, marked as a follow-up inquiry when it is one
    /// (<see cref="ResponseRate.IsFollowUp"/>, from the seller's stored facts), and staged with the
    /// seller's statistics after it. Returns the conversation to write.
    /// </summary>
    public async Task<Conversation> StageOpenedAsync(UnitOfWork work, Conversation opened, DateTimeOffset now)
    {
        var facts = await ReadFactsAsync(work, opened.SellerId);
        if (opened.OpenedBy == PartyRole.Buyer)
        {
            opened = opened with { FollowUpInquiry = ResponseRate.IsFollowUp(opened.BuyerId, opened.StartedAt, facts.Values, options.Value.Policy) };
        }

        await StageAsync(work, opened.SellerId, facts, opened, now);
        return opened;
    }

    /// <summary>The seller's stored facts, by conversation (read in <paramref name="work"/>: a commit condition).</summary>
    private static async Task<Dictionary<string, ResponseFacts>> ReadFactsAsync(UnitOfWork work, string sellerId)
    {
        var facts = new Dictionary<string, ResponseFacts>(StringComparer.Ordinal);
        foreach (var (conversationId, value) in await work.ReadHashAsync(MessagingKeys.SellerResponseFacts(sellerId)))
        {
            facts[conversationId] = ResponseFactsFields.Parse(conversationId, (string?)value ?? "");
        }

        return facts;
    }

    private async Task StageAsync(UnitOfWork work, string sellerId, Dictionary<string, ResponseFacts> facts, Conversation? changed, DateTimeOffset now)
    {
        var policy = options.Value.Policy;
        var factsKey = MessagingKeys.SellerResponseFacts(sellerId);
        if (changed is not null)
        {
            var f = ResponseFacts.Of(changed);
            facts[changed.ConversationId] = f;
            work.HashSet(factsKey, changed.ConversationId, ResponseFactsFields.Format(f));
        }

        var statsKey = MessagingKeys.SellerResponseStats(sellerId);
        var stored = await work.ReadStringAsync(statsKey);
        var last = stored.IsNull ? null : ResponseStats.Parser.ParseFrom((byte[])stored!);
        var asOf = last?.WindowEnd?.ToDateTimeOffset() is { } previous && previous >= now ? previous + TimeSpan.FromTicks(1) : now;

        foreach (var (conversationId, _) in facts.Where(f => ResponseRate.LeftPeriod(f.Value, asOf, policy)).ToList())
        {
            work.HashDelete(factsKey, conversationId);
            facts.Remove(conversationId);
        }

        var stats = ResponseRate.Compute(sellerId, facts.Values, asOf, policy);
        if (!ResponseRate.SameFigures(stats, last ?? ResponseRate.None(sellerId)))
        {
            stats.Version = (last?.Version ?? 0) + 1;
            work.StringSet(statsKey, stats.ToByteArray());
            work.Publish(PlatformEvents.TypeOf(ResponseStatsChanged.Descriptor), sellerId, new ResponseStatsChanged { Stats = stats });
        }

        if (ResponseRate.NextChange(facts.Values, asOf, policy) is { } next)
        {
            work.SortedSetAdd(MessagingKeys.ResponseStatsDue, sellerId, ConversationStore.CeilingMs(next));
        }
        else
        {
            work.SortedSetRemove(MessagingKeys.ResponseStatsDue, sellerId);
        }
    }

    /// <summary>Sellers whose statistics are due at <paramref name="now"/>, at most <paramref name="limit"/>.</summary>
    /// <summary>When the earliest seller's statistics after <paramref name="after"/> change with time (the simulated clock's next stop), or null.</summary>
    public Task<DateTimeOffset?> NextDueAfterAsync(DateTimeOffset after) => redis.Database.NextDueAfterAsync(MessagingKeys.ResponseStatsDue, after);

    public async Task<IReadOnlyList<string>> GetDueAsync(DateTimeOffset now, int limit)
    {
        var ids = await redis.Database.SortedSetRangeByScoreAsync(MessagingKeys.ResponseStatsDue, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit);
        return ids.Select(id => (string)id!).ToList();
    }

    /// <summary>Takes a seller whose evaluation keeps failing out of the schedule and records when and why, in one transaction.</summary>
    public async Task ParkAsync(string sellerId, string error)
    {
        var transaction = redis.Database.CreateTransaction();
        _ = transaction.SortedSetRemoveAsync(MessagingKeys.ResponseStatsDue, sellerId);
        _ = transaction.HashSetAsync(MessagingKeys.ResponseStatsParked, sellerId, $"{clock.GetUtcNow().ToUniversalTime():O}: {error}");
        await transaction.ExecuteAsync();
    }
}
