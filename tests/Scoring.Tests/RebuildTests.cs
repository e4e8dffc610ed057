using Grpc.Core;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using static Marketplace.Scoring.Tests.RebuildWorld;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// RebuildScores over the running service on a real Redis (issue 13): a policy change applied to
/// the stored facts equals the engine from scratch, the dry run predicts it, events during a
/// rebuild are kept, and the RPC's permission and idempotency.
/// </summary>
public sealed class RebuildTests
{
    /// <summary>What the API shows of every Gig and seller: score, and each seller's level and flag.</summary>
    private sealed record Shown(Dictionary<string, double?> Gigs, Dictionary<string, double?> Sellers, Dictionary<string, SellerLevelKind> Levels, Dictionary<string, bool> Flags);

    private static async Task<Shown> ShownAsync(ScoringService.ScoringServiceClient client, IReadOnlyList<TestOrder> orders)
    {
        var shown = new Shown([], [], [], []);
        foreach (var gigId in orders.Select(o => o.GigId).Distinct())
        {
            var score = await client.GetGigScoreAsync(new GetGigScoreRequest { GigId = gigId }, Internal);
            shown.Gigs[gigId] = score.HasScore ? score.SuccessScore : null;
        }

        foreach (var sellerId in orders.Select(o => o.SellerId).Distinct())
        {
            var score = await client.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = sellerId }, Internal);
            var level = await client.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = sellerId }, Internal);
            shown.Sellers[sellerId] = score.HasScore ? score.SuccessScore : null;
            shown.Levels[sellerId] = level.Level;
            shown.Flags[sellerId] = score.LowPerformance;
        }

        return shown;
    }

    private static int Changed<T>(Dictionary<string, T> before, Dictionary<string, T> after) =>
        before.Keys.Count(k => !EqualityComparer<T>.Default.Equals(before[k], after[k]));

    /// <param name="holdGigs">
    /// The rebuild's <see cref="ScoringOptions.RebuildHoldGigs"/>: null (the default) holds the new
    /// generation in memory for the peers phase and the comparison; "0" reads it back from Redis, as a
    /// resumed rebuild does. Both must predict and build the same.
    /// </param>
    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    public async Task A_policy_change_then_a_rebuild_gives_the_engines_scores_from_scratch_and_the_dry_run_predicted_what_changed(string? holdGigs)
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Admin.GetDatabase();
        var orders = Orders();
        Shown before;
        await using (var first = await StartAsync(redis))
        {
            await first.PublishAsync(orders.SelectMany(o => o.Events()));
            await CaughtUpAsync(db);
            await first.Client().RunEvaluationAsync(new RunEvaluationRequest { RequestId = "daily-1" }, Internal);
            await CaughtUpAsync(db);
            before = await ShownAsync(first.Client(), orders);
        }

        // The new policy is rolled out: stored contributions are still the old policy's.
        var settings = new Dictionary<string, string?>(ChangedPolicy);
        if (holdGigs is not null)
        {
            settings["Scoring:RebuildHoldGigs"] = holdGigs;
        }

        await using var scoring = await StartAsync(redis, settings);
        var client = scoring.Client();
        var policy = scoring.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ScoringOptions>>().Value.Policy;
        Assert.Equal(60, policy.HalfLifeDays);
        var aggregatesBefore = await AggregatesAsync(db, orders.Select(o => o.GigId).Distinct());

        var dry = await RebuildAsync(client, dryRun: true);
        Assert.True(dry.DryRun);
        Assert.Equal(orders.Count, dry.OrdersTotal);
        Assert.Equal(orders.Count, dry.OrdersDone);
        // A dry run switches nothing and leaves nothing of its generation behind.
        Assert.Equal(0, (await GenerationState.ReadAsync(db)).Live);
        Assert.Null((await GenerationState.ReadAsync(db)).Next);
        Assert.Equal(aggregatesBefore, await AggregatesAsync(db, orders.Select(o => o.GigId).Distinct()));
        Assert.Empty(redis.Admin.GetServer(redis.Admin.GetEndPoints()[0]).Keys(pattern: $"scoring:g{dry.Generation}:*"));

        var rebuilt = await RebuildAsync(client, dryRun: false);
        Assert.Equal(orders.Count, rebuilt.OrdersDone);
        Assert.Equal(rebuilt.Generation, (await GenerationState.ReadAsync(db)).Live);
        await CaughtUpAsync(db); // every seller re-evaluated after the switch

        // Exactly what the engine computes from scratch under the new policy, the group's means snapshot taken from the new sums.
        var fromScratch = new EngineExpectation(orders, policy, new EngineExpectation(orders, policy).StatsMeans);
        var live = await LiveKeysAsync(db);
        foreach (var (gigId, ledger) in fromScratch.Ledgers)
        {
            Assert.Equal(ledger.Aggregate, (await StoredGigAsync(db, live, gigId)).Aggregate);
            var want = fromScratch.Gig(gigId);
            var got = await client.GetGigScoreAsync(new GetGigScoreRequest { GigId = gigId }, Internal);
            Assert.Equal(want.Score ?? 0, got.SuccessScore);
            Assert.Equal(want.Quality.Quality, got.Quality);
            Assert.Equal(want.Percentile ?? 0, got.Percentile);
        }

        foreach (var sellerId in orders.Select(o => o.SellerId).Distinct())
        {
            var got = await client.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = sellerId }, Internal);
            Assert.Equal(fromScratch.Seller(sellerId).Score ?? 0, got.SuccessScore);
        }

        // The dry run predicted exactly what changed.
        var after = await ShownAsync(client, orders);
        Assert.True(Changed(before.Gigs, after.Gigs) > 0, "the policy change moves some Gig scores (else this test shows nothing)");
        Assert.Equal(Changed(before.Gigs, after.Gigs), dry.Changes.GigsScoreChanged);
        Assert.Equal(before.Gigs.Count, dry.Changes.GigsCompared);
        Assert.Equal(Changed(before.Sellers, after.Sellers), dry.Changes.SellersScoreChanged);
        Assert.Equal(Changed(before.Levels, after.Levels), dry.Changes.SellersLevelChanged);
        Assert.Equal(Changed(before.Flags, after.Flags), dry.Changes.SellersFlagChanged);
        // The real rebuild reports what it changed: the same counts the dry run predicted.
        Assert.False(rebuilt.DryRun);
        Assert.NotNull(rebuilt.Changes);
        Assert.Equal(dry.Changes, rebuilt.Changes);

        // The old generation's keys are gone (generation 0: the Gigs' hashes, included orders, contributions in the orders, the groups).
        var server = redis.Admin.GetServer(redis.Admin.GetEndPoints()[0]);
        Assert.DoesNotContain(server.Keys(pattern: "scoring:gig:{*}"), k => !((string)k!).EndsWith(":orders", StringComparison.Ordinal));
        // (The groups' evaluation snapshots, scoring:peer:{group}:eval:<ms>, are the evaluation history, kept across generations.)
        Assert.DoesNotContain(server.Keys(pattern: "scoring:peer:*"), k => !((string)k!).Contains(":eval:", StringComparison.Ordinal));
        foreach (var order in orders)
        {
            Assert.False(await db.HashExistsAsync(ScoringKeys.Order(order.OrderId), "c"));
        }

        // Compare: a dry run now predicts no change at all.
        var again = await RebuildAsync(client, dryRun: true);
        Assert.Equal(0, again.Changes.GigsScoreChanged);
        Assert.Equal(0, again.Changes.SellersScoreChanged);
    }

    [Fact]
    public async Task Events_that_arrive_during_a_rebuild_are_in_the_state_it_switches_to()
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Admin.GetDatabase();
        var orders = Orders(gigs: 10, perGig: 4);
        await using var scoring = await StartAsync(redis, SlowRebuild); // about 3 s
        var client = scoring.Client();
        await scoring.PublishAsync(orders.SelectMany(o => o.Events()));
        await CaughtUpAsync(db);

        var started = await StartUnderWayAsync(client);
        // During the rebuild: orders of a new Gig, more orders of Gigs already rebuilt and not yet, a review on an old order.
        var late = Orders(gigs: 12, perGig: 2, seed: 99, prefix: "")
            .Select(o => o with { OrderId = o.OrderId + "-late" })
            .ToList();
        var plain = orders.First(o => o.Review is null && o.Cancelled is null);
        var reviewed = plain with { Review = new TestReview(1, 1, 1, 1, false, 0, plain.CreatedAt.AddDays(30)) };
        await scoring.PublishAsync(late.SelectMany(o => o.Events()).Concat(reviewed.Events().Where(e => e.Payload is Contracts.Reviews.V1.ReviewPublished)));
        await CaughtUpAsync(db);
        var during = await client.GetRebuildStatusAsync(new GetRebuildStatusRequest(), Internal);
        Assert.True(during.State == RebuildState.Running, "the events were handled while the rebuild ran");

        var ended = await EndedAsync(client, started.RebuildId);
        Assert.Equal(RebuildState.Succeeded, ended.State);
        Assert.True(ended.GigsReapplied > 0, "Gigs changed during the rebuild were recomputed before the switch");
        await CaughtUpAsync(db);

        var all = orders.Select(o => o.OrderId == reviewed.OrderId ? reviewed : o).Concat(late).ToList();
        var live = await LiveKeysAsync(db);
        Assert.Equal(ended.Generation, live.Generation);
        // Generation 0 is gone, the Gigs events created during the rebuild included.
        var server = redis.Admin.GetServer(redis.Admin.GetEndPoints()[0]);
        Assert.DoesNotContain(server.Keys(pattern: "scoring:gig:{*}"), k => !((string)k!).EndsWith(":orders", StringComparison.Ordinal));
        foreach (var order in orders.Concat(late))
        {
            Assert.False(await db.HashExistsAsync(ScoringKeys.Order(order.OrderId), "c"), $"order {order.OrderId} keeps generation 0's contribution");
        }

        var policy = ScoringPolicy.Default;
        var expected = new EngineExpectation(all, policy);
        Assert.Equal(12, expected.Ledgers.Count); // ten old Gigs, and gig-10 and gig-11 new during the rebuild
        foreach (var (gigId, ledger) in expected.Ledgers)
        {
            Assert.Equal(ledger.Aggregate, (await StoredGigAsync(db, live, gigId)).Aggregate);
        }

        // And the same as a clean rebuild of the final facts.
        var once = await AggregatesAsync(db, expected.Ledgers.Keys);
        await RebuildAsync(client, dryRun: false);
        Assert.Equal(once, await AggregatesAsync(db, expected.Ledgers.Keys));
    }

    [Fact]
    public async Task Gigs_a_replica_took_for_recomputing_and_died_on_are_recomputed_before_the_switch()
    {
        // A Gig changed during a rebuild is marked; the rebuild takes the marks and recomputes those Gigs
        // before it switches. A replica killed between taking marks and recomputing must not lose them:
        // here the marks are moved where a taking replica puts them, as one that died would leave them.
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Admin.GetDatabase();
        var orders = Orders(gigs: 8, perGig: 3);
        await using var scoring = await StartAsync(redis, SlowRebuild);
        var client = scoring.Client();
        await scoring.PublishAsync(orders.SelectMany(o => o.Events()));
        await CaughtUpAsync(db);

        var started = await StartUnderWayAsync(client);
        var late = Orders(gigs: 8, perGig: 2, seed: 41).Select(o => o with { OrderId = o.OrderId + "-late" }).ToList();
        await scoring.PublishAsync(late.SelectMany(o => o.Events()));
        await CaughtUpAsync(db);
        var marked = (await db.SetMembersAsync(GenerationState.TouchedKey)).Select(v => (string)v!).ToList();
        Assert.NotEmpty(marked);
        foreach (var gigId in marked)
        {
            Assert.True(await db.SetMoveAsync(GenerationState.TouchedKey, GenerationState.TakenKey, gigId));
        }

        var ended = await EndedAsync(client, started.RebuildId);
        Assert.Equal(RebuildState.Succeeded, ended.State);
        Assert.Equal(0, await db.SetLengthAsync(GenerationState.TakenKey));
        var live = await LiveKeysAsync(db);
        var expected = new EngineExpectation([.. orders, .. late], ScoringPolicy.Default);
        foreach (var (gigId, ledger) in expected.Ledgers)
        {
            Assert.Equal(ledger.Aggregate, (await StoredGigAsync(db, live, gigId)).Aggregate);
        }
    }

    [Fact]
    public async Task Orders_stored_in_the_earlier_field_per_fact_layout_rebuild_to_the_same_aggregates()
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Admin.GetDatabase();
        var orders = Orders(gigs: 6, perGig: 5);
        await using var scoring = await StartAsync(redis);
        var client = scoring.Client();
        await scoring.PublishAsync(orders.SelectMany(o => o.Events()));
        await CaughtUpAsync(db);
        await RebuildAsync(client, dryRun: false);
        var gigIds = orders.Select(o => o.GigId).Distinct().ToList();
        var packed = await AggregatesAsync(db, gigIds);

        // A deployment from before the packed record: every order's hash rewritten as it held it then.
        foreach (var order in orders)
        {
            var key = ScoringKeys.Order(order.OrderId);
            var record = OrderRecord.FromFields(HashReader.From(key, await db.HashGetAllAsync(key)));
            await db.KeyDeleteAsync(key);
            await db.HashSetAsync(key, [.. LegacyOrderLayout.Fields(record).Select(f => new StackExchange.Redis.HashEntry(f.Key, f.Value))]);
            Assert.False(await db.HashExistsAsync(key, OrderRecord.RecordField));
        }

        var rebuilt = await RebuildAsync(client, dryRun: false);
        Assert.Equal(RebuildState.Succeeded, rebuilt.State);
        Assert.Equal(orders.Count, rebuilt.OrdersDone);
        Assert.Equal(packed, await AggregatesAsync(db, gigIds));
        // The generation it replaced is gone, key for key.
        var server = redis.Admin.GetServer(redis.Admin.GetEndPoints()[0]);
        Assert.Empty(server.Keys(pattern: $"scoring:g{rebuilt.Generation - 1}:*"));
    }

    /// <summary>
    /// The comparison reads sellers in chunks of 512, the next chunk while it counts one: with more
    /// sellers than two chunks hold, every seller and every Gig is compared once.
    /// </summary>
    [Fact]
    public async Task A_dry_run_over_several_chunks_of_sellers_compares_each_seller_and_Gig_once()
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Admin.GetDatabase();
        const int sellers = 1_100;
        var orders = Enumerable.Range(0, sellers).Select(i => new TestOrder
        {
            OrderId = $"many-{i:D4}-o0",
            GigId = $"many-gig-{i:D4}",
            SellerId = $"many-seller-{i:D4}",
            CreatedAt = T0.AddDays(i % 300),
            DeliveredAfter = TimeSpan.FromDays(6),
        }).ToList();
        await using var scoring = await StartAsync(redis, ChangedPolicy);
        await scoring.PublishAsync(orders.SelectMany(o => o.Events()));
        await CaughtUpAsync(db);

        var dry = await RebuildAsync(scoring.Client(), dryRun: true);
        Assert.Equal(sellers, dry.OrdersDone);
        Assert.Equal(sellers, dry.Changes.SellersCompared);
        Assert.Equal(sellers, dry.Changes.GigsCompared);
    }

    /// <summary>
    /// The old generation is deleted from what names its keys (sellers' Gigs, its set of groups), not by
    /// walking the keyspace: keys that live events and the daily evaluation wrote into it after its
    /// own rebuild (a new seller's Gig, a Gig that moved to another price band's groups and left sums
    /// behind in the old ones, new snapshots) must be gone too.
    /// </summary>
    [Fact]
    public async Task A_generation_events_changed_after_its_rebuild_is_deleted_key_for_key_by_the_next_one()
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Admin.GetDatabase();
        var server = redis.Admin.GetServer(redis.Admin.GetEndPoints()[0]);
        var orders = Orders(gigs: 6, perGig: 5);
        await using var scoring = await StartAsync(redis);
        var client = scoring.Client();
        await scoring.PublishAsync(orders.SelectMany(o => o.Events()));
        await CaughtUpAsync(db);
        var first = await RebuildAsync(client, dryRun: false);
        var keys = KeySpace.Of(first.Generation);
        var bandsBefore = server.Keys(pattern: $"scoring:g{first.Generation}:peer:*:stats").Count();

        // Into the live generation: a seller and Gig it never saw, and gig-00's latest order at 4,000 USD
        // (another price band: the Gig leaves its groups, their sums keep the fields it raised), then the daily evaluation.
        TestOrder[] later =
        [
            .. Orders(gigs: 1, perGig: 4, seed: 5, prefix: "later-"),
            orders[0] with { OrderId = "gig-00-moved", AmountCents = 400_000, CreatedAt = T0.AddDays(720), DeliveredAfter = TimeSpan.FromDays(6), Cancelled = null, Disputes = 0, Review = null },
        ];
        await scoring.PublishAsync(later.SelectMany(o => o.Events()));
        await CaughtUpAsync(db);
        await client.RunEvaluationAsync(new RunEvaluationRequest { RequestId = "daily-after-rebuild" }, Internal);
        await CaughtUpAsync(db);
        Assert.True(await db.KeyExistsAsync(keys.Gig("later-gig-00")), "the new Gig is in the live generation");
        Assert.True(server.Keys(pattern: $"scoring:g{first.Generation}:peer:*:stats").Count() > bandsBefore, "gig-00 moved into groups of another band");

        var second = await RebuildAsync(client, dryRun: false);
        Assert.Equal(first.Generation + 1, second.Generation);
        Assert.Empty(server.Keys(pattern: $"scoring:g{first.Generation}:*"));
        Assert.True(await db.KeyExistsAsync(KeySpace.Of(second.Generation).Gig("later-gig-00")));
    }

    [Fact]
    public async Task Only_support_and_internal_callers_rebuild_a_request_id_answers_once_and_one_rebuild_runs_at_a_time()
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Admin.GetDatabase();
        var orders = Orders(gigs: 6, perGig: 3);
        await using var scoring = await StartAsync(redis, SlowRebuild);
        var client = scoring.Client();
        await scoring.PublishAsync(orders.SelectMany(o => o.Events()));
        await CaughtUpAsync(db);

        foreach (var (subject, role) in new[] { ("seller-0", CallerRole.Seller), ("buyer-1", CallerRole.Buyer) })
        {
            var headers = Authorization(ScoringHarness.Bearer(subject, role));
            var refused = await Assert.ThrowsAsync<RpcException>(() => client.RebuildScoresAsync(new RebuildScoresRequest { RequestId = "r-" + subject }, headers).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
            refused = await Assert.ThrowsAsync<RpcException>(() => client.GetRebuildStatusAsync(new GetRebuildStatusRequest(), headers).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        }

        Assert.Equal(RebuildState.Unspecified, (await client.GetRebuildStatusAsync(new GetRebuildStatusRequest(), Internal)).State);
        var badId = await Assert.ThrowsAsync<RpcException>(() => client.RebuildScoresAsync(new RebuildScoresRequest { RequestId = "" }, Internal).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
        Assert.Contains("request_id", badId.Status.Detail, StringComparison.Ordinal);

        var first = await StartRebuildAsync(client, dryRun: false, requestId: "rebuild-1");
        Assert.Equal(RebuildState.Running, first.State);
        var repeated = await StartRebuildAsync(client, dryRun: false, requestId: "rebuild-1");
        Assert.Equal(first, repeated);
        var reused = await Assert.ThrowsAsync<RpcException>(() => StartRebuildAsync(client, dryRun: true, requestId: "rebuild-1"));
        Assert.Equal(StatusCode.AlreadyExists, reused.StatusCode);
        var second = await Assert.ThrowsAsync<RpcException>(() => StartRebuildAsync(client, dryRun: true, requestId: "rebuild-2"));
        Assert.Equal(StatusCode.FailedPrecondition, second.StatusCode);
        Assert.Contains(first.RebuildId, second.Status.Detail, StringComparison.Ordinal);

        var ended = await EndedAsync(client, first.RebuildId);
        Assert.Equal(RebuildState.Succeeded, ended.State);
        Assert.Equal(1, ended.Generation);
        // The same request id after the end answers the first status again and starts nothing.
        Assert.Equal(first, await StartRebuildAsync(client, dryRun: false, requestId: "rebuild-1"));
        Assert.Equal(first.RebuildId, (await client.GetRebuildStatusAsync(new GetRebuildStatusRequest(), Internal)).RebuildId);
        // Support may start one too, once the last has ended.
        var bySupport = await client.RebuildScoresAsync(new RebuildScoresRequest { RequestId = "rebuild-2", DryRun = true }, Authorization(ScoringHarness.Bearer("agent-1", CallerRole.Support)));
        Assert.True((await EndedAsync(client, bySupport.RebuildId)).State == RebuildState.Succeeded);
    }
}
