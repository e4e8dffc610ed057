using Marketplace.Contracts.Scoring.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Scenario;
using Marketplace.Hosting;
using Marketplace.Scoring.Engine;
using Marketplace.Scoring.Store;
using Xunit;
using Xunit.Abstractions;
using static Marketplace.Scenario.PlatformClient;
using GigScore = Marketplace.Contracts.Scoring.V1.GigScore;
using SellerLevel = Marketplace.Contracts.Scoring.V1.SellerLevel;
using SellerScore = Marketplace.Contracts.Scoring.V1.SellerScore;

namespace Marketplace.EndToEnd.Tests;

/// <summary>
/// One order's life through all four services into a Success Score (issue 6): Redis and the
/// services as separate processes, the scenario over gRPC, Scoring fed only by events.
/// </summary>
public sealed class WalkingSkeletonTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_scenario_s_scores_are_what_the_engine_computes_from_the_same_facts()
    {
        await using var platform = await Platform.StartAsync();
        using var client = platform.Client();
        var scenario = new WalkingSkeleton(client, "e2e");
        await scenario.RunAsync();
        await platform.CaughtUpAsync();

        var oracle = await EngineOracle.ReadAsync(client, scenario);
        await AssertScoresAsync(client, oracle, oracle.PriorMeans);

        var summary = await client.Scoring.RunEvaluationAsync(
            new RunEvaluationRequest { RequestId = "e2e-evaluation" }, As(client.Bearer("ops", CallerRole.Internal)));
        Assert.Equal(3, summary.SellersEvaluated);
        await platform.CaughtUpAsync();
        await AssertScoresAsync(client, oracle, oracle.EvaluatedMeans);

        // The story the scenario tells: Ana is careful (Level 1), Ben is flagged, Cy is new.
        var support = client.Bearer("support-1", CallerRole.Support);
        var ana = await client.Scoring.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = "e2e-ana" }, As(support));
        Assert.Equal(SellerLevelKind.LevelOne, ana.Level);
        var ben = await client.Scoring.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = "e2e-ben" }, As(support));
        Assert.True(ben.LowPerformance);
        var banner = await client.Scoring.GetGigScoreAsync(new GetGigScoreRequest { GigId = "e2e-ana-banner" }, As(support));
        Assert.False(banner.HasScore); // two orders: "not enough orders"
    }

    [Fact]
    public async Task Scoring_killed_with_SIGKILL_mid_scenario_ends_with_the_scores_of_an_uninterrupted_run()
    {
        await using var platform = await Platform.StartAsync();
        using var client = platform.Client();
        var scenario = new WalkingSkeleton(client, "kill");
        int finished = 0;
        Task? kill = null;
        await scenario.RunAsync(_ =>
        {
            if (Interlocked.Increment(ref finished) == 6)
            {
                kill = platform.KillAsync("Scoring");
            }

            return Task.CompletedTask;
        });
        await kill!;
        output.WriteLine($"Scoring killed after 6 of {scenario.Orders.Count} orders had finished");

        // Events kept coming while Scoring was down; the new process takes over the dead
        // consumer's pending entries and reads the rest.
        var backlog = await new PlatformProbe(platform.Db).BacklogAsync();
        output.WriteLine("backlog while Scoring was down: " + string.Join("; ", backlog));
        Assert.Contains(backlog, b => b.Contains("group scoring", StringComparison.Ordinal));
        await platform.RestartAsync("Scoring");
        await platform.CaughtUpAsync();

        var oracle = await EngineOracle.ReadAsync(client, scenario);
        await AssertScoresAsync(client, oracle, oracle.PriorMeans);
        foreach (var (gigId, ledger) in oracle.Ledgers)
        {
            string key = ScoringKeys.Gig(gigId);
            var aggregate = GigRecord.FromFields(gigId, HashReader.From(key, await platform.Db.HashGetAllAsync(key))).Aggregate;
            Assert.Equal(ledger.Aggregate, aggregate);
        }
    }

    private async Task AssertScoresAsync(PlatformClient client, EngineOracle oracle, PeerMeans means)
    {
        var expected = oracle.GigScores(means);
        foreach (var (gigId, want) in expected)
        {
            var seller = client.Bearer(oracle.SellerOf[gigId], CallerRole.Seller);
            var got = await client.Scoring.GetGigScoreAsync(new GetGigScoreRequest { GigId = gigId }, As(seller));
            output.WriteLine($"{gigId}: {got.SuccessScore} (engine {want.Score}), quality {got.Quality:0.0000}, {got.ScoredOrders} orders");
            Assert.Equal(want.HasScore, got.HasScore);
            Assert.Equal(want.Score ?? 0, got.SuccessScore);
            Assert.Equal(want.Quality.Quality, got.Quality);
            Assert.Equal(want.ScoredOrders, got.ScoredOrders);
            Assert.All(got.Areas, a => Assert.Equal(want.Quality[(Scoring.Engine.Area)((int)a.Area - 1)].Impact, a.Impact));
        }

        foreach (var sellerId in oracle.SellerOf.Values.Distinct())
        {
            var want = oracle.SellerScore(sellerId, means);
            var got = await client.Scoring.GetSellerScoreAsync(
                new GetSellerScoreRequest { SellerId = sellerId }, As(client.Bearer(sellerId, CallerRole.Seller)));
            Assert.Equal(want.Score ?? 0, got.SuccessScore);
            Assert.Equal(want.ScoredOrders, got.ScoredOrders);
        }
    }
}
