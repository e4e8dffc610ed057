using System.Globalization;
using Marketplace.Clients;
using Marketplace.Scenario;
using Marketplace.Simulation;
using Spectre.Console;
using StackExchange.Redis;

namespace Marketplace.DevHost;

/// <summary>
/// `make run`'s main job (issue 14): the simulated marketplace. The services run on the platform's
/// simulated clock (LocalPlatform sets it to the simulation's start before they start); the plan made from the seed
/// runs through their gRPC APIs while the clock moves slot by slot; then the summary is printed
/// and the HTML report written to <c>.run/report.html</c>.
/// </summary>
internal static class SimulationJob
{
    public static async Task<int> RunAsync(LocalPlatform platform, string root, Plan plan, CancellationToken cancellationToken)
    {
        if (!await MainJob.HealthAsync(cancellationToken))
        {
            return 1;
        }

        var options = plan.Options;
        var world = plan.World;
        Console.WriteLine();
        Console.WriteLine($"Main job: a simulated marketplace ({options}): {world.Sellers.Count} sellers, {world.Gigs.Count} Gigs in "
            + $"{World.Categories.Count} categories and {PriceBand.All.Count} price bands, {world.Buyers.Count} buyers, {plan.Orders.Count} orders "
            + $"({plan.StepCount} calls planned) over {options.Months} months from {options.Start:yyyy-MM-dd}; plan digest {plan.Digest()[..16]}");

        var targets = new PlatformTargets(MainJob.Local(0), MainJob.Local(1), MainJob.Local(2), MainJob.Local(3));
        using var client = new PlatformClient(targets, LocalTokens.SigningKey(root), TimeSpan.FromSeconds(60));
        using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{platform.RedisPort}");
        var driver = Marketplace.Platform.PlatformClock.Driver(redis, TimeSpan.FromMinutes(2));
        var runner = new Runner(client, redis, driver);

        var record = await ShowProgressAsync(plan, progress => runner.RunAsync(plan, progress, cancellationToken));
        Console.WriteLine("Reading scores, levels and the events for search ranking ...");
        var findings = await Findings.ReadAsync(plan, record, client, redis, cancellationToken);
        var summary = Summary.Of(findings);
        TerminalReport.Print(summary);

        string report = Path.Combine(platform.RunDirectory, "report.html");
        await File.WriteAllTextAsync(report, HtmlReport.Render(summary), cancellationToken);
        Console.WriteLine();
        Console.WriteLine($"Report: {report}");
        return record.FailureCount == 0 ? 0 : 1;
    }

    /// <summary>Spectre.Console progress bars on a terminal; a plain line every simulated two weeks otherwise (CI, pipes).</summary>
    private static async Task<RunRecord> ShowProgressAsync(Plan plan, Func<IProgress<RunProgress>, Task<RunRecord>> run)
    {
        var options = plan.Options;
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            int lastDay = -14;
            var lines = new Callback(p =>
            {
                int day = (int)(p.SimulatedNow - options.Start).TotalDays;
                if (day - lastDay >= 2 || p.Slot >= p.TotalSlots)
                {
                    lastDay = day;
                    Console.WriteLine(Line(p));
                }
            });
            return await run(lines);
        }

        RunRecord? record = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var time = context.AddTask("simulated date", maxValue: options.TotalSlots);
                var orders = context.AddTask("orders placed", maxValue: plan.Orders.Count);
                var bus = context.AddTask("events behind", maxValue: 1);
                record = await run(new Callback(p =>
                {
                    time.Value = p.Slot;
                    time.Description = $"simulated {p.SimulatedNow:yyyy-MM-dd HH:mm}";
                    orders.Value = p.OrdersPlaced;
                    orders.Description = $"orders {p.OrdersPlaced:N0}/{p.TotalOrders:N0}";
                    double rate = p.Calls / Math.Max(0.001, p.Elapsed.TotalSeconds);
                    bus.MaxValue = Math.Max(bus.MaxValue, p.EventsBehind);
                    bus.Value = p.EventsBehind;
                    bus.Description = $"events behind {p.EventsBehind:N0}, {rate:N0} calls/s";
                    context.Refresh();
                }));
            });
        return record!;
    }

    private static string Line(RunProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"  simulated {p.SimulatedNow:yyyy-MM-dd}  {100.0 * p.Slot / Math.Max(1, p.TotalSlots),5:0.0}%  orders {p.OrdersPlaced,7:N0}/{p.TotalOrders:N0}  "
        + $"events behind {p.EventsBehind,6:N0}  {p.Calls / Math.Max(0.001, p.Elapsed.TotalSeconds),6:N0} calls/s  {p.Elapsed:mm\\:ss} (clock {p.ClockTime.TotalSeconds:0}s, {p.ClockStops} stops)");

    /// <summary>Reports on the runner's thread, in order (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class Callback(Action<RunProgress> report) : IProgress<RunProgress>
    {
        public void Report(RunProgress value) => report(value);
    }
}
