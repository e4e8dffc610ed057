using Google.Protobuf;
using Grpc.Core;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Scenario;
using Marketplace.Scoring.Api;
using Marketplace.Scoring.Store;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// What the rebuild tests share: a generated history of orders over two years, Scoring started
/// in-process on a Redis the test owns (so it can be stopped and started again with another
/// policy on the same state), and the aggregates of the live generation read key by key.
/// </summary>
public static class RebuildWorld
{
    public static readonly DateTimeOffset T0 = new(2025, 1, 6, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A policy change the rebuild must apply: shorter half-life (recency), weaker shrinkage.</summary>
    public static readonly IReadOnlyDictionary<string, string?> ChangedPolicy = new Dictionary<string, string?>
    {
        ["Scoring:HalfLifeDays"] = "60",
        ["Scoring:ShrinkagePseudoOrders"] = "2",
    };

    /// <summary>
    /// <paramref name="gigs"/> Gigs of five sellers with <paramref name="perGig"/> orders each, all in
    /// one peer group (logo design, 100–250 USD), spread over two years: on time, late, reviewed
    /// well or badly, disputed, cancelled by a buyer after the due time or by the seller.
    /// </summary>
    public static IReadOnlyList<TestOrder> Orders(int gigs = 12, int perGig = 6, int seed = 13, string prefix = "")
    {
        var random = new Random(seed);
        var orders = new List<TestOrder>();
        for (int g = 0; g < gigs; g++)
        {
            string gigId = $"{prefix}gig-{g:D2}", sellerId = $"{prefix}seller-{g % 5}";
            for (int i = 0; i < perGig; i++)
            {
                var created = T0.AddDays(random.Next(0, 700)).AddMinutes(random.Next(0, 1440));
                var order = new TestOrder
                {
                    OrderId = $"{gigId}-o{i}",
                    GigId = gigId,
                    SellerId = sellerId,
                    BuyerId = $"buyer-{random.Next(0, 8)}",
                    AmountCents = random.Next(10_000, 24_900),
                    CreatedAt = created,
                    DeliveredAfter = TimeSpan.FromDays(6),
                };
                var published = created.AddDays(20);
                order = random.Next(0, 10) switch
                {
                    4 => order with { DeliveredAfter = TimeSpan.FromDays(8 + random.Next(1, 6)) },
                    5 => order with { Review = new TestReview(5, 5, 5, 5, true, 10, published) },
                    6 => order with
                    {
                        Disputes = 1,
                        DeliveredAfter = TimeSpan.FromDays(10),
                        Review = new TestReview(2, 2, 2, 1, false, 2, published),
                    },
                    7 => order with { DeliveredAfter = null, Cancelled = (CancellationInitiator.Buyer, CancellationReason.LateDelivery, false) },
                    8 => order with { DeliveredAfter = null, Cancelled = (CancellationInitiator.Seller, CancellationReason.SellerUnableToDeliver, false) },
                    9 => order with { Review = new TestReview(4, 3, 4, 3, true, null, published) },
                    _ => order,
                };
                orders.Add(order);
            }
        }

        return orders;
    }

    public static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? extra = null) =>
        ScoringHarness.Settings(extra?.ToDictionary());

    public static Task<ServiceHost> StartAsync(RedisServer redis, IReadOnlyDictionary<string, string?>? extra = null) =>
        ServiceHost.StartAsync(ScoringHarness.AppId, redis.ConnectionString, b => b.AddScoring(), a => a.MapGrpcService<ScoringApi>(), Settings(extra));

    public static ScoringService.ScoringServiceClient Client(this ServiceHost host) => host.Client<ScoringService.ScoringServiceClient>();

    public static Metadata Internal => Authorization(ScoringHarness.Bearer("ops", CallerRole.Internal));

    /// <summary>Publishes events on their topics through the host's unit-of-work executor (outbox, relay, stream), each in its own commit.</summary>
    public static async Task PublishAsync(this ServiceHost host, IEnumerable<(IMessage Payload, string Subject)> events)
    {
        var executor = host.Services.GetRequiredService<UnitOfWorkExecutor>();
        foreach (var (payload, subject) in events)
        {
            await executor.ExecuteAsync(null, (work, _) =>
            {
                work.Publish(PlatformEvents.TypeOf(payload.Descriptor), subject, payload);
                return Task.CompletedTask;
            }, CancellationToken.None);
        }
    }

    /// <summary>Scoring handled every event published so far and re-evaluated every marked seller.</summary>
    public static Task CaughtUpAsync(IDatabase db) =>
        new PlatformProbe(db, new Dictionary<string, string[]>
        {
            [PlatformEvents.Topics.Orders] = [ScoringHarness.AppId],
            [PlatformEvents.Topics.Reviews] = [ScoringHarness.AppId],
            [PlatformEvents.Topics.Messaging] = [ScoringHarness.AppId],
        }).WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(60));

    public static async Task<RebuildStatus> StartRebuildAsync(ScoringService.ScoringServiceClient client, bool dryRun, string? requestId = null) =>
        await client.RebuildScoresAsync(new RebuildScoresRequest { RequestId = requestId ?? Guid.NewGuid().ToString("N"), DryRun = dryRun }, Internal);

    /// <summary>Waits until the rebuild <paramref name="rebuildId"/> has ended and returns its status.</summary>
    public static async Task<RebuildStatus> EndedAsync(ScoringService.ScoringServiceClient client, string rebuildId, TimeSpan? timeout = null)
    {
        RebuildStatus? last = null;
        await Wait.UntilAsync(async () =>
        {
            last = await client.GetRebuildStatusAsync(new GetRebuildStatusRequest(), Internal);
            return last.RebuildId == rebuildId && last.State != RebuildState.Running;
        }, $"rebuild {rebuildId} ended", timeout ?? TimeSpan.FromSeconds(60));
        return last!;
    }

    public static async Task<RebuildStatus> RebuildAsync(ScoringService.ScoringServiceClient client, bool dryRun)
    {
        var started = await StartRebuildAsync(client, dryRun);
        var ended = await EndedAsync(client, started.RebuildId);
        Assert.True(ended.State == RebuildState.Succeeded, $"rebuild {ended.RebuildId} {ended.State}: {ended.Error}");
        return ended;
    }

    /// <summary>One Gig per batch and a pause after each: a rebuild of a few dozen orders takes seconds, time for events to arrive during it.</summary>
    public static Dictionary<string, string?> SlowRebuild => new() { ["Scoring:RebuildBatchGigs"] = "1", ["Scoring:RebuildParallelBatches"] = "1", ["Scoring:RebuildBatchPauseMs"] = "300" };

    /// <summary>Starts a real rebuild and returns once it has written its first batch.</summary>
    public static async Task<RebuildStatus> StartUnderWayAsync(ScoringService.ScoringServiceClient client)
    {
        var started = await StartRebuildAsync(client, dryRun: false);
        await Wait.UntilAsync(async () => (await client.GetRebuildStatusAsync(new GetRebuildStatusRequest(), Internal)).OrdersDone > 0, "the rebuild is under way");
        return started;
    }

    /// <summary>A Gig's record as stored in <paramref name="keys"/>' generation.</summary>
    public static async Task<GigRecord> StoredGigAsync(IDatabase db, KeySpace keys, string gigId) =>
        GigRecord.FromFields(gigId, HashReader.From(gigId, (await db.HashGetAllAsync(keys.Gig(gigId))).ToDictionary(e => (string)e.Name!, e => e.Value)));

    /// <summary>The live generation.</summary>
    public static async Task<KeySpace> LiveKeysAsync(IDatabase db) => (await GenerationState.ReadAsync(db)).LiveKeys;

    /// <summary>
    /// Scoring's aggregates in the live generation, one line per field or member, with the
    /// generation's prefix taken out: every Gig's hash (but <c>rev</c>, a change counter), its included
    /// orders and counted contributions, every peer group's sums (a field never raised and one
    /// raised back to 0 both read 0), ranking and means snapshot (but <c>at</c>, when it was taken).
    /// </summary>
    public static async Task<IReadOnlyList<string>> AggregatesAsync(IDatabase db, IEnumerable<string> gigIds)
    {
        var keys = await LiveKeysAsync(db);
        var lines = new List<string>();
        foreach (var gigId in gigIds.Order(StringComparer.Ordinal))
        {
            var gig = await StoredGigAsync(db, keys, gigId);
            lines.AddRange(gig.ToEntries().Where(e => e.Key != "rev").Select(e => $"gig {gigId} {e.Key}={e.Value}"));
            lines.AddRange((await db.SortedSetRangeByRankWithScoresAsync(keys.GigIncluded(gigId))).Select(e => $"gig {gigId} included {e.Element}={e.Score:R}"));
            foreach (var orderId in (await db.SetMembersAsync(ScoringKeys.GigOrders(gigId))).Select(v => (string)v!).Order(StringComparer.Ordinal))
            {
                var (key, field) = keys.Contribution(orderId, gigId);
                lines.Add($"gig {gigId} counted {orderId}={await db.HashGetAsync(key, field)}");
            }
        }

        foreach (var group in (await db.SetMembersAsync(keys.PeerGroups)).Select(v => (string)v!).Order(StringComparer.Ordinal))
        {
            var stats = (await db.HashGetAllAsync(keys.PeerStats(group))).ToDictionary(e => (string)e.Name!, e => (long)e.Value);
            lines.AddRange(Enumerable.Range(0, 6).SelectMany(a => new[] { $"n{a}", $"s{a}" }).Select(f => $"peer {group} stats {f}={stats.GetValueOrDefault(f)}"));
            lines.AddRange((await db.SortedSetRangeByRankWithScoresAsync(keys.PeerRanking(group))).Select(e => $"peer {group} ranking {e.Element}={e.Score:R}"));
            // The snapshot's time and revision are bookkeeping: a rebuilt generation's first snapshot is revision 1.
            lines.AddRange((await db.HashGetAllAsync(keys.PeerMeans(group))).Where(e => e.Name != "at" && e.Name != PeerGroupStore.MeansRevisionField).Select(e => $"peer {group} means {e.Name}={e.Value}").Order(StringComparer.Ordinal));
        }

        return lines;
    }
}
