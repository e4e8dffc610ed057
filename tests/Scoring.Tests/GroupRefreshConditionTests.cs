using Marketplace.EventBus;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// The daily evaluation refreshes a small peer group in one unit of work (its new means snapshot
/// and every Gig re-ranked at it). What it read of each Gig is a commit condition: a Gig whose
/// hash another writer changed in between (an event's commit raises its <c>rev</c>) must make the
/// refresh run again on the Gig as it now is, never commit a ranking computed from what it was.
/// </summary>
public sealed class GroupRefreshConditionTests
{
    [Fact]
    public async Task A_Gig_changed_between_a_group_refresh_s_read_and_its_commit_makes_it_run_again_on_the_change()
    {
        await using var scoring = await ScoringHarness.StartAsync();
        await scoring.DeliverAsync(ScoreTests.Group());
        var services = scoring.Host.Services;
        var executor = services.GetRequiredService<UnitOfWorkExecutor>();
        var peers = services.GetRequiredService<PeerGroupStore>();
        var db = scoring.Db;
        var keys = (await GenerationState.ReadAsync(db)).LiveKeys;
        var a1 = GigRecord.FromEntries("a1", await db.HashGetAllAsync(keys.Gig("a1")));
        var b1 = GigRecord.FromEntries("b1", await db.HashGetAllAsync(keys.Gig("b1")));
        // A group that ranks both (a Gig is ranked in its band's group and its band and category's).
        string group = a1.Groups.Select(g => g.RedisKeySuffix)
            .First(g => db.SortedSetScore(keys.PeerRanking(g), "a1") is not null && db.SortedSetScore(keys.PeerRanking(g), "b1") is not null);

        // What another writer leaves: a1 with b1's sums (late deliveries, a dispute, a cancellation)
        // and its revision raised, as every writer of a Gig hash does; nothing else of the group changes.
        var changed = new GigRecord
        {
            GigId = "a1",
            Aggregate = b1.Aggregate.Clone(),
            Revision = a1.Revision + 1,
            SellerId = a1.SellerId,
            Category = a1.Category,
            PriceBand = a1.PriceBand,
            PriceFromCreatedTicks = a1.PriceFromCreatedTicks,
            PriceFromOrder = a1.PriceFromOrder,
            PriceFromDelivered = a1.PriceFromDelivered,
        };

        int attempts = 0;
        GroupRefresh? committed = null;
        var now = new DateTimeOffset(2026, 9, 9, 9, 0, 0, TimeSpan.Zero);
        await executor.ExecuteAsync(null, async (work, _) =>
        {
            attempts++;
            committed = await peers.StageRefreshAsync(work, group, now, keys);
            if (attempts == 1)
            {
                await db.HashSetAsync(keys.Gig("a1"), [.. changed.ToEntries().Select(e => new HashEntry(e.Key, e.Value))]);
            }
        }, CancellationToken.None);

        Assert.Equal(2, attempts);
        double before = GigScorer.Quality(a1.Aggregate, committed!.Means, scoring.Policy).Quality;
        double after = GigScorer.Quality(changed.Aggregate, committed.Means, scoring.Policy).Quality;
        Assert.NotEqual(before, after);
        Assert.Equal(after, committed.Gigs.Single(g => g.Gig.GigId == "a1").Quality);
        Assert.Equal(after, await db.SortedSetScoreAsync(keys.PeerRanking(group), "a1"));
    }
}
