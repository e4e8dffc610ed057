using System.Globalization;
using Spectre.Console;

namespace Marketplace.Simulation;

/// <summary>The run's summary in the terminal (Spectre.Console tables; plain text when output is not a terminal).</summary>
public static class TerminalReport
{
    private const string Spark = "▁▂▃▄▅▆▇█";

    public static void Print(Summary s, IAnsiConsole? console = null)
    {
        var c = console ?? AnsiConsole.Console;
        if (console is null && Console.IsOutputRedirected)
        {
            c.Profile.Width = 160; // a log or a pipe: no terminal to fit, keep rows on one line
        }

        var inv = CultureInfo.InvariantCulture;
        c.WriteLine();
        c.Write(new Rule("[bold]The simulated marketplace[/]").LeftJustified());
        c.MarkupLine(Markup.Escape(string.Create(inv,
            $"{s.Options}: {s.Findings.Plan.World.Sellers.Count} sellers, {s.Findings.Plan.World.Gigs.Count} Gigs, {s.Findings.Plan.World.Buyers.Count} buyers, {s.OrdersPlaced:N0} orders placed, {s.Options.Start:yyyy-MM-dd} to {s.Options.End:yyyy-MM-dd}")));

        c.Write(Section("Score distribution per price band (Gigs with a score; histogram over 1..10)"));
        c.Write(DistributionTable("price band", s.ByBand));
        c.Write(Section("Score distribution per category"));
        c.Write(DistributionTable("category", s.ByCategory));

        c.Write(Section("How each seller profile fared (seller success score)"));
        var profiles = new Table().Border(TableBorder.Simple)
            .AddColumns("profile", "sellers", "orders", "with a score", "mean", "median", "Level 1+", "flagged now");
        foreach (var p in s.Profiles)
        {
            profiles.AddRow(Name(p.Profile), N(p.Sellers), N(p.Orders), N(p.Scored), F(p.Mean), F(p.Median), N(p.LevelOneOrAbove), N(p.Flagged));
        }

        c.Write(profiles);
        var cmp = s.Comparison;
        c.MarkupLine(Markup.Escape(string.Create(inv,
            $"Reliable vs unreliable (often late, cancels often, over-promising, exemption seeker) in the same peer groups: {cmp.Groups} groups with both, reliable ahead in {cmp.ReliableAhead}; mean Gig score {cmp.ReliableMean:0.00} vs {cmp.UnreliableMean:0.00}, a gap of {cmp.MeanGap:+0.00;-0.00} points.")));

        c.Write(Section("Levels over time (end of each simulated month)"));
        var levels = new Table().Border(TableBorder.Simple).AddColumns("month", "New Seller", "Level 1", "Level 2", "Top Rated");
        foreach (var l in s.Levels)
        {
            levels.AddRow(l.At.ToString("yyyy-MM", inv), N(l.NewSeller), N(l.LevelOne), N(l.LevelTwo), N(l.TopRated));
        }

        c.Write(levels);
        c.MarkupLine(Markup.Escape($"Promotions {s.Promotions:N0}, demotions {s.Demotions:N0}; Top Rated candidates waiting for support's approval now: {s.Findings.Sellers.Count(x => x.TopRatedPending):N0}."));

        c.Write(Section("Low performance: sellers flagged and cleared, with the areas that hurt most"));
        int set = s.Flags.Count(f => f.Set), cleared = s.Flags.Count(f => !f.Set);
        c.MarkupLine(Markup.Escape($"{set} flags set, {cleared} cleared; flagged now: {s.Findings.Sellers.Count(x => x.LowPerformance)} sellers."));
        var flags = new Table().Border(TableBorder.Simple).AddColumns("when", "seller", "profile", "change", "score", "hurts most");
        foreach (var f in s.Flags.Take(25))
        {
            flags.AddRow(f.At.ToString("yyyy-MM-dd", inv), f.SellerId, f.Profile is { } p ? Name(p) : "?", f.Set ? "flagged" : "cleared", F(f.Score, "0.0"), Markup.Escape(f.Reasons));
        }

        c.Write(flags);
        if (s.Flags.Count > 25)
        {
            c.MarkupLine(Markup.Escape($"... and {s.Flags.Count - 25} more (all of them in the HTML report)."));
        }

        c.Write(Section("Events search ranking received (topic scoring)"));
        var ranking = new Table().Border(TableBorder.Simple).AddColumns("type", "events");
        foreach (var (type, count) in s.Findings.RankingEventTypes.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            ranking.AddRow(type, N(count));
        }

        c.Write(ranking);

        c.Write(Section("Exemptions closed by the integrity rules: attempts without the facts"));
        var attempts = new Table().Border(TableBorder.Simple).AddColumns("attempt", "refused", "accepted", "the platform's answer (one example)");
        foreach (var a in s.Record.Attempts)
        {
            attempts.AddRow(Markup.Escape(a.Attempt), N(a.Refused), a.Accepted == 0 ? "0" : $"[red]{a.Accepted}[/]", Markup.Escape(Trim(a.Example, 110)));
        }

        c.Write(attempts);
        c.MarkupLine(Markup.Escape("Exemptions with the facts behind them, accepted: "
            + string.Join(", ", s.SupportedExemptions.Select(e => $"{e.Claim} {e.Accepted}"))));

        c.Write(Section("What happened to the orders (the plan's stories)"));
        var stories = new Table().Border(TableBorder.Simple).AddColumns("story", "orders");
        foreach (var (story, count) in s.Stories.Take(20))
        {
            stories.AddRow(Markup.Escape(story), N(count));
        }

        c.Write(stories);

        c.Write(Section("What the run took"));
        var run = s.Record;
        string topics = string.Join(", ", s.Findings.EventsByTopic.Select(t => string.Create(inv, $"{t.Key} {t.Value:N0}")));
        c.MarkupLine(Markup.Escape(string.Create(inv,
            $"{run.Wall.TotalSeconds:0.0} s wall: {s.OrdersPerSecond:0.0} orders/s, {s.EventsPerSecond:0} events/s ({s.Events:N0} events: {topics}), {s.CallsPerSecond:0} calls/s ({run.Calls:N0} calls); clock stopped {run.ClockStops:N0} times ({run.ClockRounds:N0} rounds); worst consumer lag {run.WorstLag:N0} events.")));
        var latency = new Table().Border(TableBorder.Simple).AddColumns("service", "calls", "p50 ms", "p99 ms");
        foreach (var (service, calls, p50, p99) in run.LatencyByService())
        {
            latency.AddRow(service, N(calls), F(p50), F(p99));
        }

        c.Write(latency);
        if (run.FailureCount > 0)
        {
            c.MarkupLine($"[red]{run.FailureCount} calls did not answer as planned[/] (first ones):");
            foreach (var f in run.Failures.Take(10))
            {
                c.MarkupLine(Markup.Escape($"  {f.Order} slot {f.Slot} {f.Act} by {f.By}: {f.Status} {Trim(f.Detail, 160)}"));
            }
        }
        else
        {
            c.MarkupLine("Every call answered as planned.");
        }
    }

    private static Rule Section(string title) => new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified();

    private static Table DistributionTable(string what, IEnumerable<Distribution> rows)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumns(what, "Gigs", "scored", "mean", "p25", "median", "p75", "1 ........ 10");
        foreach (var d in rows)
        {
            table.AddRow(Markup.Escape(d.Group), N(d.Gigs), N(d.Scored), F(d.Mean), F(d.P25), F(d.Median), F(d.P75), Sparkline(d.Histogram));
        }

        return table;
    }

    public static string Sparkline(int[] histogram)
    {
        int max = Math.Max(1, histogram.Max());
        return string.Concat(histogram.Select(h => h == 0 ? ' ' : Spark[Math.Min(Spark.Length - 1, h * Spark.Length / (max + 1))]));
    }

    public static string Name(SellerProfile profile) => profile switch
    {
        SellerProfile.OftenLate => "often late",
        SellerProfile.OverPromising => "over-promising",
        SellerProfile.SlowToAnswer => "slow to answer",
        SellerProfile.CancelsOften => "cancels often",
        SellerProfile.ExemptionSeeker => "exemption seeker",
        _ => profile.ToString().ToLowerInvariant(),
    };

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double x, string format = "0.00") => x.ToString(format, CultureInfo.InvariantCulture);

    private static string Trim(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
