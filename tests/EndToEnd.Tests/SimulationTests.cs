using Marketplace.Hosting.Time;
using Marketplace.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace Marketplace.EndToEnd.Tests;

/// <summary>
/// `make run`'s main job, small (issue 14): a seeded marketplace driven through the four services as
/// processes on the platform's simulated clock, read back through their APIs and events.
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    /// <summary>Small enough for a test (about a minute here), big enough that every profile has Gigs with scores.</summary>
    private static readonly SimulationOptions Small = new()
    {
        Sellers = 16,
        Orders = 160,
        Months = 1,
        GigsPerSeller = 1.5,
        BuyersPerSeller = 3,
        Seed = 14,
        RunId = "e2e-sim",
    };

    [Fact]
    public void The_same_seed_makes_the_same_marketplace_and_the_same_actions()
    {
        var first = Plan.Create(Small);
        var again = Plan.Create(Small);
        var other = Plan.Create(Small with { Seed = 15 });

        Assert.Equal(first.Digest(), again.Digest());
        Assert.NotEqual(first.Digest(), other.Digest());
        Assert.Equal(first.Orders.SelectMany(o => o.Steps).Select(s => s.ToString()), again.Orders.SelectMany(o => o.Steps).Select(s => s.ToString()));
        Assert.Equal(Small.Orders, first.Orders.Count);
        // Every seller profile is in the marketplace, and the plan has attempts the platform must refuse.
        Assert.Equal(Enum.GetValues<SellerProfile>().Order(), first.World.Sellers.Select(s => s.Profile).Distinct().Order());
        Assert.Contains(first.Orders.SelectMany(o => o.Steps), s => s.Refused);
    }

    [Fact]
    public async Task A_small_simulation_runs_through_the_services_on_the_simulated_clock_and_the_score_separates_reliable_sellers()
    {
        var plan = Plan.Create(Small);
        await using var platform = await Platform.StartAsync(simulatedClockAt: Small.Start);
        using var client = platform.Client();
        var runner = new Runner(client, platform.Redis.Admin, PlatformClockDriver(platform.Redis));

        var record = await runner.RunAsync(plan);
        var findings = await Findings.ReadAsync(plan, record, client, platform.Redis.Admin);
        var summary = Summary.Of(findings);
        output.WriteLine($"{record.Wall.TotalSeconds:0.0} s, {record.Calls} calls, {record.ClockStops} clock stops, {record.FailureCount} failures");
        foreach (var f in record.Failures)
        {
            output.WriteLine($"  {f.Order} slot {f.Slot} {f.Act} by {f.By}: {f.Status} {f.Detail}");
        }

        // Every call answered as planned, and the clock reached the end.
        Assert.Equal(0, record.FailureCount);
        Assert.Equal(Small.Orders, record.Counts[nameof(Act.Place)]);
        Assert.Equal(Small.End, await PlatformClockDriver(platform.Redis).NowAsync());

        // Every exemption attempt without the facts was refused (and each one planned was made).
        int planned = plan.Orders.SelectMany(o => o.Steps).Count(s => s.Refused);
        Assert.True(planned > 0);
        Assert.Equal(planned, record.Attempts.Sum(a => a.Refused));
        Assert.All(record.Attempts, a => Assert.Equal(0, a.Accepted));
        // ... while the exemptions the facts support were accepted.
        int supported = plan.Orders.SelectMany(o => o.Steps).Count(s => s is { Act: Act.Cancel, Refused: false, Reason: Contracts.Orders.V1.CancellationReason.PlacedByMistake or Contracts.Orders.V1.CancellationReason.BuyerUnresponsive or Contracts.Orders.V1.CancellationReason.MissingRequirements });
        Assert.True(supported > 0);
        Assert.Equal(supported, summary.SupportedExemptions.Where(e => e.Claim != nameof(Contracts.Orders.V1.CancellationReason.ChargebackFraud)).Sum(e => e.Accepted));

        // Scoring learnt all of it from events: reliable sellers score above the unreliable ones.
        var reliable = findings.Sellers.Where(s => s.HasScore && s.Seller.Profile == SellerProfile.Reliable).Select(s => s.Score).ToList();
        var unreliable = findings.Sellers.Where(s => s.HasScore && SellerTraits.IsUnreliable(s.Seller.Profile)).Select(s => s.Score).ToList();
        output.WriteLine($"reliable {string.Join(", ", reliable)}; unreliable {string.Join(", ", unreliable)}; peer-group gap {summary.Comparison.MeanGap:0.00} over {summary.Comparison.Groups} groups");
        Assert.NotEmpty(reliable);
        Assert.NotEmpty(unreliable);
        Assert.True(reliable.Average() > unreliable.Average(), $"reliable {reliable.Average():0.00} vs unreliable {unreliable.Average():0.00}");
        Assert.Contains(findings.RankingEventTypes.Keys, t => t.StartsWith("scoring.", StringComparison.Ordinal));

        // The report: a self-contained page with every section.
        string path = Path.Combine(Path.GetTempPath(), $"report-{Guid.NewGuid():N}.html");
        await File.WriteAllTextAsync(path, HtmlReport.Render(summary));
        try
        {
            string html = await File.ReadAllTextAsync(path);
            Assert.All(HtmlReport.Sections, section => Assert.Contains($"<h2>{section}</h2>", html, StringComparison.Ordinal));
            Assert.Contains("<svg", html, StringComparison.Ordinal);
            Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static SimulatedClockDriver PlatformClockDriver(Marketplace.Testing.RedisServer redis) =>
        Marketplace.Platform.PlatformClock.Driver(redis.Admin, TimeSpan.FromMinutes(2));
}
