using Marketplace.Hosting;
using Marketplace.Scoring.Store;
using StackExchange.Redis;
using Xunit;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// Gig hashes written before 2026-12-03 hold the aggregate's 22 integers a field each; this version
/// writes them as one field (<see cref="GigRecord.AggregateField"/>). A stored Gig of the earlier
/// layout must score as before and, at its next change, be replaced whole: a field of the old layout
/// left behind would cost memory for ever, and a reader that preferred it would score stale sums.
/// </summary>
public sealed class GigLayoutMigrationTests
{
    [Fact]
    public async Task A_Gig_stored_a_field_per_integer_scores_the_same_and_its_next_event_rewrites_it_whole()
    {
        var orders = ScoreTests.Group();
        var (first, last) = (orders.Where(o => o.OrderId != "a1-4").ToList(), orders.Single(o => o.OrderId == "a1-4"));

        // The same events, the Gig a1 rewritten in the earlier layout before its last order.
        await using var migrated = await ScoringHarness.StartAsync();
        await migrated.DeliverAsync(first);
        var key = ScoringKeys.Gig("a1");
        var current = await migrated.Db.HashGetAllAsync(key);
        var gig = GigRecord.FromEntries("a1", current);
        var perField = gig.Aggregate.ToHashEntries().Select(e => new HashEntry(e.Key, e.Value))
            .Concat(current.Where(e => e.Name != GigRecord.AggregateField))
            .ToArray();
        await migrated.Db.KeyDeleteAsync(key);
        await migrated.Db.HashSetAsync(key, perField);
        Assert.True(GigRecord.FromEntries("a1", await migrated.Db.HashGetAllAsync(key)).StoredPerField);
        var scoreOfOldLayout = await ScoreAsync(migrated);
        await migrated.DeliverAsync([last]);

        await using var control = await ScoringHarness.StartAsync();
        await control.DeliverAsync(first);
        var scoreBefore = await ScoreAsync(control);
        await control.DeliverAsync([last]);

        Assert.Equal(scoreBefore, scoreOfOldLayout);
        Assert.Equal(await ScoreAsync(control), await ScoreAsync(migrated));
        var rewritten = await migrated.Db.HashGetAllAsync(key);
        // Field for field as a Gig that never had the old layout (the revision counts the Gig's writes,
        // which depend on how the events of its orders interleaved).
        Assert.Equal(
            (await control.Db.HashGetAllAsync(key)).Where(e => e.Name != GigRecord.RevisionField).Select(e => $"{e.Name}={e.Value}").Order(StringComparer.Ordinal),
            rewritten.Where(e => e.Name != GigRecord.RevisionField).Select(e => $"{e.Name}={e.Value}").Order(StringComparer.Ordinal));
        Assert.Equal(8, rewritten.Length);
        Assert.False(GigRecord.FromEntries("a1", rewritten).StoredPerField);
    }

    /// <summary>Gig a1's score without the time it was read at.</summary>
    private static async Task<Contracts.Scoring.V1.GigScore> ScoreAsync(ScoringHarness scoring)
    {
        var score = await scoring.GigScoreAsync("a1", "seller-a");
        score.EvaluatedAt = null;
        return score;
    }
}
