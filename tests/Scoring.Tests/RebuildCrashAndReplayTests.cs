using Grpc.Net.Client;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting;
using Marketplace.Platform;
using Marketplace.Scoring.Rebuild;
using Marketplace.Scoring.Store;
using Marketplace.Testing;
using StackExchange.Redis;
using Xunit;
using static Marketplace.Scoring.Tests.RebuildWorld;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// Issue 13's "Must show": Scoring killed with SIGKILL in the middle of a rebuild resumes it after
/// a restart and ends where a clean rebuild ends; and Scoring's whole state rebuilt from the
/// retained topics alone, in an empty store, equals the live state key for key.
/// </summary>
public sealed class RebuildCrashAndReplayTests
{
    [Fact]
    public async Task Scoring_killed_with_SIGKILL_mid_rebuild_resumes_after_a_restart_and_ends_equal_to_a_clean_rebuild()
    {
        await using var redis = await RedisServer.StartAsync();
        var db = redis.Admin.GetDatabase();
        var orders = Orders(gigs: 16, perGig: 3);
        var gigs = orders.Select(o => o.GigId).Distinct().ToList();
        await using (var ingest = await StartAsync(redis))
        {
            await ingest.PublishAsync(orders.SelectMany(o => o.Events()));
            await CaughtUpAsync(db);
        }

        // The service as its own process, with a new policy and a rebuild slowed to one Gig per 200 ms.
        var environment = new Dictionary<string, string>
        {
            ["Scoring__HalfLifeDays"] = "60",
            ["Scoring__RebuildBatchGigs"] = "1",
            ["Scoring__RebuildParallelBatches"] = "1",
            ["Scoring__RebuildBatchPauseMs"] = "200",
        };
        var first = ServiceProcess.Start("Scoring", redis.ConnectionString, environment);
        await first.WaitUntilReadyAsync();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{first.GrpcPort}");
        var client = new ScoringService.ScoringServiceClient(channel);
        var started = await StartRebuildAsync(client, dryRun: false);
        await Wait.UntilAsync(async () => (await client.GetRebuildStatusAsync(new GetRebuildStatusRequest(), Internal)).OrdersDone >= 9, "a few Gigs rebuilt");

        first.Signal(Signals.SigKill);
        await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await first.DisposeAsync();
        var killed = RebuildJob.From(await db.HashGetAllAsync(RebuildJob.Key))!;
        Assert.True(killed.IsRunning);
        Assert.Equal(RebuildJob.Phases.Orders, killed.Phase);
        Assert.InRange(killed.Cursor, 3, gigs.Count - 1);
        Assert.Equal(0, (await GenerationState.ReadAsync(db)).Live); // nothing switched
        Assert.Equal(killed.Generation, (await GenerationState.ReadAsync(db)).Next);

        // Restarted (same ports, like a restarted pod): once the dead replica's lease lapses, the rebuild resumes.
        await using var second = ServiceProcess.Start("Scoring", redis.ConnectionString, environment, first.GrpcPort, first.HttpPort);
        await second.WaitUntilReadyAsync();
        var ended = await EndedAsync(client, started.RebuildId);
        Assert.True(ended.State == RebuildState.Succeeded, ended.Error);
        Assert.Equal(killed.Generation, ended.Generation);
        Assert.Equal(orders.Count, ended.OrdersTotal);
        Assert.Equal(orders.Count, ended.OrdersDone); // the batch redone after the kill is counted once
        Assert.Equal(ended.Generation, (await GenerationState.ReadAsync(db)).Live);
        Assert.Contains($"running from phase orders (cursor {killed.Cursor}", second.Output, StringComparison.Ordinal);
        var resumed = await AggregatesAsync(db, gigs);

        var clean = await RebuildAsync(client, dryRun: false);
        Assert.NotEqual(ended.Generation, clean.Generation);
        Assert.Equal(resumed, await AggregatesAsync(db, gigs));
    }

    [Fact]
    public async Task Replaying_the_retained_topics_into_an_empty_Scoring_store_ends_equal_to_the_live_state_key_for_key()
    {
        await using var live = await RedisServer.StartAsync();
        var liveDb = live.Admin.GetDatabase();
        var orders = Orders(gigs: 14, perGig: 5, seed: 7)
            .Select((o, i) => i % 9 == 4 && o.Review is { } r ? o with { Review = r with { Removed = true } } : o)
            .ToList();
        var gigs = orders.Select(o => o.GigId).Distinct().ToList();
        await using (var scoring = await StartAsync(live))
        {
            await scoring.PublishAsync(orders.SelectMany(o => o.Events()));
            await CaughtUpAsync(liveDb);
            await scoring.Client().RunEvaluationAsync(new RunEvaluationRequest { RequestId = "daily" }, Internal);
        }

        // A fresh Redis for Scoring holding only the other services' topics, entry by entry with their ids: no Scoring key, no consumer group.
        await using var fresh = await RedisServer.StartAsync();
        var freshDb = fresh.Admin.GetDatabase();
        long copied = 0;
        foreach (var topic in new[] { PlatformEvents.Topics.Orders, PlatformEvents.Topics.Reviews, PlatformEvents.Topics.Messaging })
        {
            foreach (var entry in await liveDb.StreamRangeAsync(topic))
            {
                await freshDb.StreamAddAsync(topic, entry.Values, entry.Id);
                copied++;
            }
        }

        Assert.True(copied >= orders.Count * 2);
        Assert.Empty(fresh.Admin.GetServer(fresh.Admin.GetEndPoints()[0]).Keys(pattern: "scoring:*"));
        await using (var replay = await StartAsync(fresh))
        {
            await CaughtUpAsync(freshDb);
            await replay.Client().RunEvaluationAsync(new RunEvaluationRequest { RequestId = "daily" }, Internal);
        }

        var expected = await StateAsync(liveDb, gigs, orders);
        Assert.Equal(expected, await StateAsync(freshDb, gigs, orders));
        Assert.Contains(expected, line => line.Contains(" ranking ", StringComparison.Ordinal));

        // The sellers' level state (docs/scoring.md "Replay from the topics"): after the replay and one
        // daily evaluation, the held and the confirmed level are the live ones for every seller whose live
        // state holds no demotion grace and no Top Rated review (those count evaluation runs and support's
        // decisions, which no topic holds); the run counters (evaluated, daily, version) are not replayed.
        int compared = 0, promoted = 0;
        foreach (var seller in orders.Select(o => o.SellerId).Distinct().Order(StringComparer.Ordinal))
        {
            var was = SellerRecord.FromFields(HashReader.From(seller, await liveDb.HashGetAllAsync(ScoringKeys.Seller(seller))));
            var now = SellerRecord.FromFields(HashReader.From(seller, await freshDb.HashGetAllAsync(ScoringKeys.Seller(seller))));
            Assert.NotNull(now.EvaluatedAt);
            if (was.Confirmed.ConsecutiveFailures > 0 || was.Level.TopRatedReview != Engine.TopRatedReview.None)
            {
                continue;
            }

            Assert.Equal((seller, was.Level.Level, was.Confirmed.Level), (seller, now.Level.Level, now.Confirmed.Level));
            compared++;
            promoted += was.Level.Level == Engine.SellerLevel.NewSeller ? 0 : 1;
        }

        Assert.True(compared > 0 && promoted > 0, "some promoted seller's level state is compared (else this shows little)");
    }

    /// <summary>The aggregates, every order's record and every seller's facts (totals, ratings, clients, Gigs).</summary>
    private static async Task<IReadOnlyList<string>> StateAsync(IDatabase db, IReadOnlyList<string> gigs, IReadOnlyList<TestOrder> orders)
    {
        var lines = new List<string>(await AggregatesAsync(db, gigs));
        foreach (var order in orders.OrderBy(o => o.OrderId, StringComparer.Ordinal))
        {
            lines.AddRange((await db.HashGetAllAsync(ScoringKeys.Order(order.OrderId))).Select(e => $"order {order.OrderId} {e.Name}={e.Value}").Order(StringComparer.Ordinal));
        }

        foreach (var seller in orders.Select(o => o.SellerId).Distinct().Order(StringComparer.Ordinal))
        {
            // Not the seller's record here: its level state is compared below, part by part (docs/scoring.md "Replay").
            foreach (var key in new[] { ScoringKeys.SellerTotals(seller), ScoringKeys.SellerRatings(seller) })
            {
                lines.AddRange((await db.HashGetAllAsync(key)).Select(e => $"{key} {e.Name}={e.Value}").Order(StringComparer.Ordinal));
            }

            lines.AddRange((await db.SetMembersAsync(ScoringKeys.SellerClients(seller))).Select(m => $"clients {seller} {m}").Order(StringComparer.Ordinal));
            lines.AddRange((await db.SetMembersAsync(ScoringKeys.SellerGigs(seller))).Select(m => $"gigs {seller} {m}").Order(StringComparer.Ordinal));
        }

        return lines;
    }
}
