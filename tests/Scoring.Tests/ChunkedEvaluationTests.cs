using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring.Store;
using StackExchange.Redis;
using Xunit;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Scoring.Tests;

/// <summary>
/// Issue 14: a peer group larger than <c>Scoring:EvaluationChunkGigs</c> is refreshed by the daily
/// evaluation in several commits (the means snapshot, the ranking a chunk at a time, the history a
/// chunk at a time). Two services on two Redis servers get the same events and evaluate at the same
/// times, one refreshing every group in one commit, the other one Gig per chunk: what they store and
/// answer must be the same.
/// </summary>
public sealed class ChunkedEvaluationTests
{
    private static readonly DateTimeOffset Evaluated = new(2026, 9, 9, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_group_refreshed_a_chunk_per_commit_stores_and_answers_what_the_one_commit_refresh_does()
    {
        var wholeClock = new FakeClock(Evaluated);
        var chunkedClock = new FakeClock(Evaluated);
        // One event at a time: both services apply the events in the same order (the Gigs' revisions and change logs depend on it).
        await using var whole = await ScoringHarness.StartAsync(new Dictionary<string, string?> { ["EventBus:Workers"] = "1" }, wholeClock);
        await using var chunked = await ScoringHarness.StartAsync(new Dictionary<string, string?> { ["EventBus:Workers"] = "1", ["Scoring:EvaluationChunkGigs"] = "1" }, chunkedClock);
        var orders = ScoreTests.Group();
        var late = orders.Single(o => o.OrderId == "c1-4") with { OrderId = "c1-5", CreatedAt = orders[0].CreatedAt.AddDays(45), DeliveredAfter = TimeSpan.FromDays(15) };

        foreach (var (scoring, clock) in new[] { (whole, wholeClock), (chunked, chunkedClock) })
        {
            await scoring.DeliverAsync(orders);
            await scoring.RunEvaluationAsync();
            // A second evaluation after one more order: new snapshots, a second history entry, the change log.
            await scoring.PublishAsync(late.Events());
            await scoring.CaughtUpAsync();
            clock.Advance(TimeSpan.FromDays(1));
        }

        var wholeSummary = await whole.RunEvaluationAsync();
        int wholeCommits = Commits(whole);
        var chunkedSummary = await chunked.RunEvaluationAsync();
        int chunkedCommits = Commits(chunked);

        Assert.Equal(wholeSummary, chunkedSummary);
        Assert.Equal(2, chunkedSummary.PeerGroups);
        Assert.Equal(6, chunkedSummary.GigsRanked);
        // Each of the two groups of three Gigs: one commit in one, eight in the other (the snapshot,
        // three ranking chunks, the history snapshot and three history chunks).
        Assert.Equal(2 * 7, chunkedCommits - wholeCommits);

        Assert.Equal(await StateAsync(whole), await StateAsync(chunked));
        foreach (var (gig, seller) in new[] { ("a1", "seller-a"), ("a2", "seller-a"), ("b1", "seller-b"), ("c1", "seller-c") })
        {
            Assert.Equal(await whole.GigScoreAsync(gig, seller), await chunked.GigScoreAsync(gig, seller));
            Assert.Equal(await ExplainAsync(whole, gig, seller), await ExplainAsync(chunked, gig, seller));
        }

        Assert.Equal(await whole.SellerScoreAsync("seller-c"), await chunked.SellerScoreAsync("seller-c"));
    }

    /// <summary>Unit-of-work commits (scripts that write) the last call, RunEvaluation, sent.</summary>
    private static int Commits(ScoringHarness scoring) =>
        scoring.RedisCalls.Calls[^1].Commands.Count(c => c is "EVAL" or "EVALSHA");

    private static Task<ScoreChangeExplanation> ExplainAsync(ScoringHarness scoring, string gig, string seller) =>
        scoring.Client.ExplainScoreChangeAsync(new ExplainScoreChangeRequest { GigId = gig }, Authorization(ScoringHarness.Bearer(seller, CallerRole.Seller))).ResponseAsync;

    /// <summary>Every peer group's ranking, sums, snapshot and evaluation snapshots, and every Gig's history and change log, as text.</summary>
    private static async Task<string> StateAsync(ScoringHarness scoring)
    {
        var db = scoring.Db;
        var lines = new List<string>();
        foreach (var group in (await db.SetMembersAsync(ScoringKeys.PeerGroups)).Select(g => (string)g!).Order(StringComparer.Ordinal))
        {
            lines.Add($"{group} ranking {string.Join(",", (await db.SortedSetRangeByRankWithScoresAsync(ScoringKeys.PeerRanking(group))).Select(e => $"{e.Element}={e.Score:R}"))}");
            lines.Add($"{group} stats {Hash(await db.HashGetAllAsync(ScoringKeys.PeerStats(group)))}");
            lines.Add($"{group} means {Hash(await db.HashGetAllAsync(ScoringKeys.PeerMeans(group)))}");
            foreach (var ms in await db.SortedSetRangeByRankAsync(ScoringKeys.Evaluations))
            {
                byte[]? snapshot = await db.StringGetAsync(ScoringKeys.PeerEvaluation(group, long.Parse((string)ms!, System.Globalization.CultureInfo.InvariantCulture)));
                lines.Add($"{group} eval {ms} {(snapshot is null ? "-" : Convert.ToHexString(snapshot))}");
            }
        }

        foreach (var gig in new[] { "a1", "a2", "b1", "c1" })
        {
            foreach (var entry in await db.StreamRangeAsync(ScoringKeys.GigHistory(gig)))
            {
                lines.Add($"{gig} history {entry.Id} {Convert.ToHexString((byte[])entry[GigHistoryEntry.Field]!)}");
            }

            lines.Add($"{gig} changes {string.Join(",", (await db.SortedSetRangeByRankWithScoresAsync(ScoringKeys.GigChanges(gig))).Select(e => $"{Convert.ToHexString((byte[])e.Element!)}={e.Score}"))}");
        }

        lines.Add($"evaluations {string.Join(",", await db.SortedSetRangeByRankAsync(ScoringKeys.Evaluations))}");
        return string.Join("\n", lines);
    }

    private static string Hash(HashEntry[] entries) =>
        string.Join(",", entries.OrderBy(e => (string)e.Name!, StringComparer.Ordinal).Select(e => $"{e.Name}={e.Value}"));
}
