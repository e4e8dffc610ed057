using System.Globalization;
using System.Net;
using System.Text;

namespace Marketplace.Simulation;

/// <summary>
/// The run's report as one self-contained HTML page: inline CSS, charts as inline SVG, no script and
/// no external resource, so it reads the same offline. The sections match the terminal summary.
/// </summary>
public static class HtmlReport
{
    /// <summary>The section headings, in order (the end-to-end test checks the page has each).</summary>
    public static readonly IReadOnlyList<string> Sections =
    [
        "Score distribution per price band",
        "Score distribution per category",
        "How each seller profile fared",
        "Levels over time",
        "Sellers flagged and cleared",
        "Events search ranking received",
        "Exemption attempts refused",
        "What happened to the orders",
        "What the run took",
    ];

    private static readonly string[] LevelColours = ["#9aa5b1", "#4c9be8", "#2f6fb5", "#e0a526"];

    private const string Style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1f2933}
        header{background:#1f2933;color:#fff;padding:24px 40px}header h1{margin:0 0 6px;font-size:26px}header p{margin:0;color:#cbd2d9}
        main{padding:8px 40px 40px;max-width:1180px}
        section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:18px 24px;margin:18px 0}
        h2{font-size:18px;margin:0 0 12px}
        table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{padding:4px 10px;text-align:right;border-bottom:1px solid #e4e7eb}
        th{background:#f0f2f5;font-weight:600}td:first-child,th:first-child{text-align:left}
        .cards{display:flex;flex-wrap:wrap;gap:12px}.card{background:#f0f4fa;border-radius:6px;padding:10px 16px;min-width:140px}
        .card b{display:block;font-size:22px}.card span{font-size:12px;color:#52606d}
        .note{font-size:14px;color:#323f4b;margin:8px 0}.good{color:#1f7a3d;font-weight:600}.bad{color:#b42318;font-weight:600}
        .grid{display:flex;flex-wrap:wrap;gap:14px}.small{font-size:12px;color:#52606d}
        svg text{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif}
        """;

    public static string Render(Summary s)
    {
        var inv = CultureInfo.InvariantCulture;
        var plan = s.Findings.Plan;
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Simulated marketplace report</title><style>")
            .Append(Style).Append("</style></head><body>");
        html.Append("<header><h1>The simulated marketplace</h1><p>")
            .Append(E(string.Create(inv, $"{s.Options} · {plan.World.Sellers.Count} sellers · {plan.World.Gigs.Count} Gigs · {plan.World.Buyers.Count} buyers · {s.OrdersPlaced:N0} orders · {s.Options.Start:yyyy-MM-dd} to {s.Options.End:yyyy-MM-dd} · plan digest {plan.Digest()[..16]}")))
            .Append("</p></header><main>");

        var cmp = s.Comparison;
        int refused = s.Record.Attempts.Sum(a => a.Refused), accepted = s.Record.Attempts.Sum(a => a.Accepted);
        html.Append("<section><div class=\"cards\">")
            .Append(Card(string.Create(inv, $"{cmp.MeanGap:+0.0;-0.0}"), "reliable vs unreliable, same peer groups (score points)"))
            .Append(Card(string.Create(inv, $"{cmp.ReliableAhead}/{cmp.Groups}"), "peer groups where reliable sellers lead"))
            .Append(Card(string.Create(inv, $"{refused}/{refused + accepted}"), "exemption attempts refused"))
            .Append(Card(string.Create(inv, $"{s.Promotions}/{s.Demotions}"), "promotions / demotions"))
            .Append(Card(string.Create(inv, $"{s.Flags.Count(f => f.Set)}/{s.Flags.Count(f => !f.Set)}"), "low-performance flags set / cleared"))
            .Append(Card(string.Create(inv, $"{s.Record.FailureCount}"), "calls not answered as planned"))
            .Append("</div></section>");

        html.Append(Open(Sections[0]))
            .Append("<p class=\"note\">Success scores (1–10) of the Gigs with enough scored orders. A score is a percentile inside the Gig's peer group, so each group spreads over the whole scale.</p>")
            .Append("<div class=\"grid\">");
        foreach (var d in s.ByBand)
        {
            html.Append(Histogram(d));
        }

        html.Append("</div>").Append(DistributionTable("price band", s.ByBand)).Append("</section>");
        html.Append(Open(Sections[1])).Append("<div class=\"grid\">");
        foreach (var d in s.ByCategory)
        {
            html.Append(Histogram(d));
        }

        html.Append("</div>").Append(DistributionTable("category", s.ByCategory)).Append("</section>");

        html.Append(Open(Sections[2])).Append(ProfileChart(s.Profiles));
        html.Append("<p class=\"note\">").Append(E(string.Create(inv,
            $"In the {cmp.Groups} peer groups (as Scoring ranked the Gigs: price band, and category where it has enough Gigs) with Gigs of both, reliable sellers' Gigs average {cmp.ReliableMean:0.00} and unreliable ones' (often late, cancels often, over-promising, exemption seeker) {cmp.UnreliableMean:0.00}: "))).Append("<span class=\"")
            .Append(cmp.MeanGap > 0 ? "good" : "bad").Append("\">").Append(E(string.Create(inv, $"{cmp.MeanGap:+0.00;-0.00} points")))
            .Append("</span>").Append(E(string.Create(inv, $", reliable ahead in {cmp.ReliableAhead} of {cmp.Groups} groups."))).Append("</p>");
        html.Append("<table><tr><th>profile</th><th>sellers</th><th>orders</th><th>with a score</th><th>mean</th><th>median</th><th>Level 1+</th><th>flagged now</th></tr>");
        foreach (var p in s.Profiles)
        {
            html.Append(Row(TerminalReport.Name(p.Profile), N(p.Sellers), N(p.Orders), N(p.Scored), F(p.Mean), F(p.Median), N(p.LevelOneOrAbove), N(p.Flagged)));
        }

        html.Append("</table></section>");

        html.Append(Open(Sections[3])).Append(LevelChart(s.Levels))
            .Append("<p class=\"note\">").Append(E(string.Create(inv,
                $"{s.Promotions} promotions and {s.Demotions} demotions (a demotion needs two failed daily evaluations in a row); Top Rated candidates waiting for support's approval at the end: {s.Findings.Sellers.Count(x => x.TopRatedPending)}.")))
            .Append("</p><table><tr><th>month end</th><th>New Seller</th><th>Level 1</th><th>Level 2</th><th>Top Rated</th></tr>");
        foreach (var l in s.Levels)
        {
            html.Append(Row(l.At.ToString("yyyy-MM-dd", inv), N(l.NewSeller), N(l.LevelOne), N(l.LevelTwo), N(l.TopRated)));
        }

        html.Append("</table></section>");

        html.Append(Open(Sections[4])).Append("<p class=\"note\">").Append(E(string.Create(inv,
                $"{s.Flags.Count(f => f.Set)} flags set and {s.Flags.Count(f => !f.Set)} cleared (set at or below 3.0 with 5+ scored orders, cleared at 4.0 or above); flagged at the end: {s.Findings.Sellers.Count(x => x.LowPerformance)} sellers.")))
            .Append("</p><table><tr><th>when</th><th>seller</th><th>profile</th><th>change</th><th>score</th><th>hurts most</th></tr>");
        foreach (var f in s.Flags)
        {
            html.Append(Row(f.At.ToString("yyyy-MM-dd HH:mm", inv), f.SellerId, f.Profile is { } p ? TerminalReport.Name(p) : "?", f.Set ? "flagged" : "cleared", F(f.Score, "0.0"), f.Reasons));
        }

        html.Append("</table></section>");

        html.Append(Open(Sections[5])).Append("<table><tr><th>event type</th><th>events</th></tr>");
        foreach (var (type, count) in s.Findings.RankingEventTypes.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            html.Append(Row(type, N(count)));
        }

        html.Append("</table></section>");

        html.Append(Open(Sections[6]))
            .Append("<p class=\"note\">Claims that would keep a cancellation from counting against the seller, and review requests offering something, made without the facts behind them: each must be refused (FAILED_PRECONDITION naming the rule) and change nothing.</p>")
            .Append("<table><tr><th>attempt</th><th>refused</th><th>accepted</th><th style=\"text-align:left\">the platform's answer (one example)</th></tr>");
        foreach (var a in s.Record.Attempts)
        {
            html.Append("<tr><td>").Append(E(a.Attempt)).Append("</td><td class=\"good\">").Append(N(a.Refused)).Append("</td><td")
                .Append(a.Accepted > 0 ? " class=\"bad\"" : "").Append('>').Append(N(a.Accepted)).Append("</td><td style=\"text-align:left\">")
                .Append(E(a.Example)).Append("</td></tr>");
        }

        html.Append("</table><p class=\"note\">Exemptions with the facts behind them, accepted: ")
            .Append(E(string.Join(", ", s.SupportedExemptions.Select(e => $"{e.Claim} {e.Accepted}"))))
            .Append(".</p></section>");

        html.Append(Open(Sections[7])).Append("<table><tr><th>story</th><th>orders</th></tr>");
        foreach (var (story, count) in s.Stories)
        {
            html.Append(Row(story, N(count)));
        }

        html.Append("</table><table><tr><th>call (outcome)</th><th>count</th></tr>");
        foreach (var (what, count) in s.Record.Counts.OrderByDescending(c => c.Value))
        {
            html.Append(Row(what, N(count)));
        }

        html.Append("</table></section>");

        var run = s.Record;
        html.Append(Open(Sections[8])).Append("<div class=\"cards\">")
            .Append(Card(string.Create(inv, $"{run.Wall.TotalSeconds:0} s"), "wall time"))
            .Append(Card(string.Create(inv, $"{s.OrdersPerSecond:0.0}"), "orders/s"))
            .Append(Card(string.Create(inv, $"{s.EventsPerSecond:0}"), string.Create(inv, $"events/s ({s.Events:N0} events)")))
            .Append(Card(string.Create(inv, $"{s.CallsPerSecond:0}"), string.Create(inv, $"calls/s ({run.Calls:N0} calls)")))
            .Append(Card(string.Create(inv, $"{run.WorstLag:N0}"), "worst consumer lag (events)"))
            .Append(Card(string.Create(inv, $"{run.ClockStops:N0}"), string.Create(inv, $"clock stops ({run.ClockTime.TotalSeconds:0} s moving the clock)")))
            .Append("</div><table><tr><th>service</th><th>calls</th><th>p50 ms</th><th>p99 ms</th></tr>");
        foreach (var (service, calls, p50, p99) in run.LatencyByService())
        {
            html.Append(Row(service, N(calls), F(p50), F(p99)));
        }

        html.Append("</table><p class=\"small\">Events per topic: ")
            .Append(E(string.Join(", ", s.Findings.EventsByTopic.Select(t => string.Create(inv, $"{t.Key} {t.Value:N0}"))))).Append(".</p>");
        if (run.FailureCount > 0)
        {
            html.Append("<p class=\"bad\">").Append(N(run.FailureCount)).Append(" calls did not answer as planned:</p><table><tr><th>order</th><th>slot</th><th>call</th><th>by</th><th>status</th><th>detail</th></tr>");
            foreach (var f in run.Failures)
            {
                html.Append(Row(f.Order, N(f.Slot), f.Act.ToString(), f.By.ToString(), f.Status.ToString(), f.Detail));
            }

            html.Append("</table>");
        }
        else
        {
            html.Append("<p class=\"good\">Every call answered as planned.</p>");
        }

        html.Append("</section></main></body></html>\n");
        return html.ToString();
    }

    private static string Open(string title) => $"<section><h2>{E(title)}</h2>";

    private static string Card(string value, string label) => $"<div class=\"card\"><b>{E(value)}</b><span>{E(label)}</span></div>";

    private static string Row(params string[] cells) => "<tr>" + string.Concat(cells.Select(c => $"<td>{E(c)}</td>")) + "</tr>";

    private static string DistributionTable(string what, IEnumerable<Distribution> rows)
    {
        var html = new StringBuilder($"<table><tr><th>{E(what)}</th><th>Gigs</th><th>scored</th><th>mean</th><th>p25</th><th>median</th><th>p75</th></tr>");
        foreach (var d in rows)
        {
            html.Append(Row(d.Group, N(d.Gigs), N(d.Scored), F(d.Mean), F(d.P25), F(d.Median), F(d.P75)));
        }

        return html.Append("</table>").ToString();
    }

    /// <summary>A small histogram of one group's Gig scores (bins 1-2 .. 9-10) with its median marked.</summary>
    private static string Histogram(Distribution d)
    {
        const int width = 210, height = 120, left = 8, bottom = 98, barArea = 190;
        int max = Math.Max(1, d.Histogram.Max());
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{E(d.Group)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"12\" font-size=\"12\" font-weight=\"600\">{E(d.Group)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"25\" font-size=\"10\" fill=\"#52606d\">{d.Scored} of {d.Gigs} Gigs scored</text>");
        double bar = barArea / 9.0;
        for (int i = 0; i < 9; i++)
        {
            double h = 64.0 * d.Histogram[i] / max;
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + (i * bar) + 1:0.#}\" y=\"{bottom - h:0.#}\" width=\"{bar - 2:0.#}\" height=\"{h:0.#}\" fill=\"#4c9be8\"><title>{i + 1}-{i + 2}: {d.Histogram[i]}</title></rect>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{bottom}\" x2=\"{left + barArea}\" y2=\"{bottom}\" stroke=\"#9aa5b1\"/>");
        if (d.Scored > 0)
        {
            double x = left + ((d.Median - 1) / 9.0 * barArea);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"30\" x2=\"{x:0.#}\" y2=\"{bottom}\" stroke=\"#e0a526\" stroke-width=\"2\" stroke-dasharray=\"3 2\"/>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{bottom + 14}\" font-size=\"10\" fill=\"#52606d\">1</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + barArea}\" y=\"{bottom + 14}\" font-size=\"10\" fill=\"#52606d\" text-anchor=\"end\">10</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (barArea / 2)}\" y=\"{bottom + 14}\" font-size=\"10\" fill=\"#52606d\" text-anchor=\"middle\">median {d.Median:0.0}</text>");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>Mean seller score per profile, as horizontal bars on a 1-10 axis (median as a tick).</summary>
    private static string ProfileChart(IReadOnlyList<ProfileRow> profiles)
    {
        const int label = 150, plot = 520, rowHeight = 26;
        int height = (profiles.Count * rowHeight) + 34;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg width=\"{label + plot + 80}\" height=\"{height}\" role=\"img\" aria-label=\"mean score per seller profile\">");
        for (int tick = 1; tick <= 10; tick++)
        {
            double x = label + ((tick - 1) / 9.0 * plot);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"4\" x2=\"{x:0.#}\" y2=\"{height - 22}\" stroke=\"#e4e7eb\"/><text x=\"{x:0.#}\" y=\"{height - 8}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#52606d\">{tick}</text>");
        }

        for (int i = 0; i < profiles.Count; i++)
        {
            var p = profiles[i];
            double y = 6 + (i * rowHeight);
            bool unreliable = SellerTraits.IsUnreliable(p.Profile);
            string colour = p.Profile == SellerProfile.Reliable ? "#1f7a3d" : unreliable ? "#b42318" : "#4c9be8";
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{label - 8}\" y=\"{y + 15:0.#}\" font-size=\"12\" text-anchor=\"end\">{E(TerminalReport.Name(p.Profile))}</text>");
            if (p.Scored == 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{label + 4}\" y=\"{y + 15:0.#}\" font-size=\"11\" fill=\"#52606d\">no seller with a score</text>");
                continue;
            }

            double w = (p.Mean - 1) / 9.0 * plot;
            double median = label + ((p.Median - 1) / 9.0 * plot);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{label}\" y=\"{y:0.#}\" width=\"{Math.Max(1, w):0.#}\" height=\"18\" fill=\"{colour}\" opacity=\"0.85\"><title>mean {p.Mean:0.00}, median {p.Median:0.00}, {p.Scored} sellers</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{median:0.#}\" y1=\"{y - 2:0.#}\" x2=\"{median:0.#}\" y2=\"{y + 20:0.#}\" stroke=\"#1f2933\" stroke-width=\"2\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Math.Max(label + Math.Max(1, w), median) + 6:0.#}\" y=\"{y + 14:0.#}\" font-size=\"11\">{p.Mean:0.0} (n={p.Scored})</text>");
        }

        return svg.Append("</svg><p class=\"small\">Bar: mean seller success score; black tick: median. Green: reliable; red: unreliable profiles.</p>").ToString();
    }

    /// <summary>Sellers at each level at each month's end, as lines.</summary>
    private static string LevelChart(IReadOnlyList<LevelPoint> points)
    {
        const int left = 50, top = 10, plotWidth = 640, plotHeight = 200;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg width=\"{left + plotWidth + 130}\" height=\"{top + plotHeight + 40}\" role=\"img\" aria-label=\"levels over time\">");
        if (points.Count == 0)
        {
            return svg.Append("<text x=\"10\" y=\"20\" font-size=\"12\">no month has ended</text></svg>").ToString();
        }

        int max = Math.Max(1, points.Max(p => Math.Max(Math.Max(p.NewSeller, p.LevelOne), Math.Max(p.LevelTwo, p.TopRated))));
        double X(int i) => left + (points.Count == 1 ? plotWidth / 2.0 : i * plotWidth / (double)(points.Count - 1));
        double Y(int v) => top + plotHeight - (v * plotHeight / (double)max);
        for (int g = 0; g <= 4; g++)
        {
            int v = max * g / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{Y(v):0.#}\" x2=\"{left + plotWidth}\" y2=\"{Y(v):0.#}\" stroke=\"#e4e7eb\"/><text x=\"{left - 6}\" y=\"{Y(v) + 4:0.#}\" font-size=\"10\" text-anchor=\"end\" fill=\"#52606d\">{v}</text>");
        }

        for (int i = 0; i < points.Count; i++)
        {
            if (points.Count <= 12 || i % 2 == 0 || i == points.Count - 1)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(i):0.#}\" y=\"{top + plotHeight + 16}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#52606d\">{points[i].At:yyyy-MM}</text>");
            }
        }

        Func<LevelPoint, int>[] series = [p => p.NewSeller, p => p.LevelOne, p => p.LevelTwo, p => p.TopRated];
        string[] names = ["New Seller", "Level 1", "Level 2", "Top Rated"];
        for (int s = 0; s < series.Length; s++)
        {
            string line = string.Join(' ', points.Select((p, i) => string.Create(CultureInfo.InvariantCulture, $"{X(i):0.#},{Y(series[s](p)):0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{line}\" fill=\"none\" stroke=\"{LevelColours[s]}\" stroke-width=\"2.5\"/>");
            foreach (var (p, i) in points.Select((p, i) => (p, i)))
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(i):0.#}\" cy=\"{Y(series[s](p)):0.#}\" r=\"3\" fill=\"{LevelColours[s]}\"><title>{names[s]} {p.At:yyyy-MM-dd}: {series[s](p)}</title></circle>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + plotWidth + 16}\" y=\"{top + (s * 20)}\" width=\"12\" height=\"12\" fill=\"{LevelColours[s]}\"/><text x=\"{left + plotWidth + 34}\" y=\"{top + (s * 20) + 10}\" font-size=\"12\">{names[s]}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string F(double x, string format = "0.00") => x.ToString(format, CultureInfo.InvariantCulture);
}
