using System.Globalization;
using Marketplace.Clients;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Scenario;
using StackExchange.Redis;
using static Marketplace.Scenario.PlatformClient;

namespace Marketplace.DevHost;

/// <summary>
/// The job `make run` runs once the platform is up: health of every service, then the
/// walking-skeleton scenario over gRPC, then — once Scoring has caught up with every event and
/// the daily evaluation has run — each seller's success score, level and flag, each Gig's area
/// breakdown, and the events published for search ranking.
/// </summary>
internal static class MainJob
{
    public static async Task<int> RunAsync(LocalPlatform platform, string root, CancellationToken cancellationToken)
    {
        if (!await HealthAsync(cancellationToken))
        {
            return 1;
        }

        var targets = new PlatformTargets(Local(0), Local(1), Local(2), Local(3));
        using var client = new PlatformClient(targets, LocalTokens.SigningKey(root));
        using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{platform.RedisPort}");
        var scenario = new WalkingSkeleton(client, "demo");

        Console.WriteLine();
        Console.WriteLine($"Main job: the walking-skeleton scenario, {scenario.Orders.Count} orders of 4 Gigs by 3 sellers, over gRPC ...");
        int done = 0;
        await scenario.RunAsync(order =>
        {
            int n = Interlocked.Increment(ref done);
            Console.WriteLine($"  [{n,2}/{scenario.Orders.Count}] {order.GigId,-16} {Story(order)}");
            return Task.CompletedTask;
        }, cancellationToken);

        PrintClaims(scenario);

        Console.WriteLine("Waiting until Scoring has handled every event ...");
        var probe = new PlatformProbe(redis.GetDatabase());
        await probe.WaitUntilCaughtUpAsync(TimeSpan.FromMinutes(2), cancellationToken);
        var ops = client.Bearer("make-run", CallerRole.Internal);
        var run = await client.Scoring.RunEvaluationAsync(new RunEvaluationRequest { RequestId = "make-run-evaluation" }, As(ops));
        await probe.WaitUntilCaughtUpAsync(TimeSpan.FromMinutes(2), cancellationToken);
        Console.WriteLine($"Daily evaluation (run now): {run.PeerGroups} peer groups, {run.GigsRanked} Gig rankings, {run.SellersEvaluated} sellers.");

        await PrintScoresAsync(client, scenario, ops);
        await PrintRankingEventsAsync(redis.GetDatabase());

        Console.WriteLine();
        Console.WriteLine("Try it: grpcurl -plaintext -H \"authorization: Bearer $(make -s token SUB=demo-ana ROLES=seller)\" \\");
        Console.WriteLine("          -d '{\"seller_id\":\"demo-ana\"}' 127.0.0.1:7104 marketplace.scoring.v1.ScoringService/GetSellerScore");
        return 0;
    }

    private static async Task PrintScoresAsync(PlatformClient client, WalkingSkeleton scenario, string ops)
    {
        var sellers = scenario.Orders.Select(o => o.SellerId).Distinct().ToList();
        var sellerRows = new List<string[]>();
        var gigRows = new List<string[]>();
        foreach (var sellerId in sellers)
        {
            var score = await client.Scoring.GetSellerScoreAsync(new GetSellerScoreRequest { SellerId = sellerId }, As(ops));
            var level = await client.Scoring.GetSellerLevelAsync(new GetSellerLevelRequest { SellerId = sellerId }, As(ops));
            sellerRows.Add(
            [
                sellerId,
                score.HasScore ? score.SuccessScore.ToString("0.0", CultureInfo.InvariantCulture) : "not enough orders",
                LevelName(level.Level) + (level.TopRatedPendingApproval ? " (Top Rated pending)" : ""),
                score.LowPerformance ? "yes" : "no",
                score.ScoredOrders.ToString(CultureInfo.InvariantCulture),
                level.UnmetCriteria.FirstOrDefault() ?? "",
            ]);

            foreach (var gig in score.Gigs)
            {
                var detail = await client.Scoring.GetGigScoreAsync(new GetGigScoreRequest { GigId = gig.GigId }, As(ops));
                gigRows.Add(
                [
                    gig.GigId,
                    detail.HasScore ? detail.SuccessScore.ToString("0.0", CultureInfo.InvariantCulture) : "-",
                    detail.Quality.ToString("0.000", CultureInfo.InvariantCulture),
                    $"{detail.ScoredOrders}",
                    .. detail.Areas.OrderBy(a => a.Area).Select(a => $"{a.Index:0.00} ({a.Impact:+0.000;-0.000})"),
                ]);
            }
        }

        Console.WriteLine();
        Console.WriteLine("Sellers");
        Report.PrintTable(["seller", "success score", "level", "low performance", "scored orders", "next level needs"], sellerRows);
        Console.WriteLine();
        Console.WriteLine("Gigs: area index (impact against the peer group); impacts sum to quality minus the group's mean quality");
        Report.PrintTable(["gig", "score", "quality", "orders", "satisfaction", "communication", "conflict-free", "cancellations", "on time", "value"], gigRows);
    }

    /// <summary>The exempting reasons the sellers claimed: SPEC 2 checks each against the order's facts.</summary>
    private static void PrintClaims(WalkingSkeleton scenario)
    {
        var rows = scenario.Claims
            .OrderBy(c => c.RefusedWith is null)
            .Select(c => new[]
            {
                c.Order.Label,
                Marketplace.Domain.Names.Proto(c.Reason),
                c.RefusedWith is { } status ? $"refused, {status}: {c.Answer}" : c.Answer,
            })
            .ToList();
        Console.WriteLine();
        Console.WriteLine("Cancellation reasons that would not count against the seller are claims checked against the facts (SPEC 2)");
        Report.PrintTable(["order", "seller claimed", "answer"], rows);
    }

    private static async Task PrintRankingEventsAsync(IDatabase redis)
    {
        var rows = new List<string[]>();
        foreach (var (_, e) in await TopicHistory.ReadAsync(redis, PlatformEvents.Topics.Scoring))
        {
            // The payload's message type comes from the event catalogue (the protos' event_type options).
            string change = (PlatformEvents.Catalogue.TryGet(e.Type, out var type) ? e.ReadPayload(type) : null) switch
            {
                SellerLevelChanged l => $"{LevelName(l.OldLevel)} -> {LevelName(l.NewLevel)}",
                LowPerformanceChanged f =>
                    $"low performance {(f.NewFlagged ? "set" : "cleared")} at {f.SuccessScore:0.0}; hurts most: {string.Join(", ", f.Reasons.Take(2).Select(r => AreaName(r.Area)))}",
                _ => e.Type,
            };
            rows.Add([e.Subject ?? "", e.Type, change]);
        }

        Console.WriteLine();
        Console.WriteLine("Events for search ranking (topic scoring)");
        Report.PrintTable(["seller", "type", "change"], rows);
    }

    internal static async Task<bool> HealthAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var rows = new List<string[]>();
        bool allHealthy = true;
        foreach (var service in LocalPlatform.Services)
        {
            string live = await StatusAsync(http, service.HttpPort, "/healthz", cancellationToken);
            string ready = await StatusAsync(http, service.HttpPort, "/readyz", cancellationToken);
            allHealthy &= live == "200 Healthy" && ready == "200 Healthy";
            rows.Add([service.AppId, live, ready]);
        }

        Console.WriteLine();
        Console.WriteLine("Health of every service");
        Report.PrintTable(["service", "/healthz", "/readyz"], rows);
        return allHealthy;
    }

    private static async Task<string> StatusAsync(HttpClient http, int port, string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"), cancellationToken);
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            return $"{(int)response.StatusCode} {body}";
        }
        catch (HttpRequestException e)
        {
            return "unreachable: " + e.Message;
        }
    }

    internal static Uri Local(int index) => new($"http://127.0.0.1:{LocalPlatform.Services[index].GrpcPort}");

    private static string Story(ScriptedOrder order) => order.Story switch
    {
        OrderStory.OnTime => "delivered on time",
        OrderStory.Late => "delivered late",
        OrderStory.CancelledBySeller => "cancelled by the seller",
        _ => "cancelled: buyer unresponsive (does not count)",
    } + (order.Stars > 0 ? $", reviewed {order.Stars}★" : "") + (order.Chat ? ", with a question answered" : "");

    private static string LevelName(SellerLevelKind level) => level switch
    {
        SellerLevelKind.NewSeller => "New Seller",
        SellerLevelKind.LevelOne => "Level 1",
        SellerLevelKind.LevelTwo => "Level 2",
        SellerLevelKind.TopRated => "Top Rated",
        _ => "?",
    };

    private static string AreaName(Area area) => area switch
    {
        Area.Satisfaction => "satisfaction",
        Area.Communication => "communication",
        Area.ConflictFree => "conflict-free",
        Area.Cancellations => "cancellations",
        Area.OnTimeDelivery => "on-time delivery",
        Area.ValueForMoney => "value for money",
        _ => "?",
    };
}
