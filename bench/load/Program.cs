using System.Diagnostics;
using System.Globalization;
using Marketplace.Bench.Load;
using Marketplace.Clients;
using Marketplace.Scenario;
using Marketplace.Testing;

// `make bench-load` (bench/load/README.md): redis-server and the four services as processes, seeded
// with sellers, Gigs, buyers and reviewed orders; then mixed traffic at a fixed number of calls in
// flight from this process (on the same cores), and each read RPC alone to count Redis commands per call.
var settings = LoadSettings.FromEnvironment();
Console.WriteLine($"bench-load: {settings}");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[..3].Aggregate((a, b) => a + " " + b)}");

var serviceSettings = new Dictionary<string, string>
{
    ["Logging__LogLevel__Default"] = "Warning",
    ["DOTNET_gcServer"] = "0",
};

await using var redis = await RedisServer.StartAsync(appendOnly: settings.AppendOnly);
var services = new List<ServiceProcess>();
try
{
    foreach (var name in new[] { "Orders", "Reviews", "Messaging", "Scoring" })
    {
        services.Add(ServiceProcess.Start(name, redis.ConnectionString, serviceSettings));
    }

    await Task.WhenAll(services.Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
    var targets = new PlatformTargets(Url(services[0]), Url(services[1]), Url(services[2]), Url(services[3]));
    using var client = new PlatformClient(targets, TestIdentity.SigningKey, TimeSpan.FromSeconds(10));
    var db = redis.Admin.GetDatabase();

    var world = new World(settings);
    var seedClock = Stopwatch.StartNew();
    Console.Write($"seeding {world.Gigs.Count} Gigs of {world.Sellers.Count} sellers, {settings.SeedOrdersPerGig} reviewed orders each ... ");
    await Seeding.RunAsync(client, world, settings.InFlight);
    await BusSettled.WaitAsync(db, "the seeded orders and reviews", TimeSpan.FromMinutes(3));
    await Seeding.EvaluateAsync(client);
    await BusSettled.WaitAsync(db, "the evaluation", TimeSpan.FromMinutes(1));
    Console.WriteLine($"done in {seedClock.Elapsed.TotalSeconds:F1} s ({world.OrderCount} orders)");

    var processes = services.Select(s => (s.Service, s.Pid))
        .Append(("redis-server", await RedisInfo.ProcessIdAsync(redis.Admin)))
        .Append(("load generator", Environment.ProcessId))
        .ToList();

    var mixed = await MixedTraffic.RunAsync(client, world, settings, redis.Admin, processes);
    Report.PrintMixed(mixed, settings);

    await BusSettled.WaitAsync(db, "the mixed traffic's events", TimeSpan.FromMinutes(3));
    var roundTrips = await ReadRoundTrips.MeasureAsync(client, world, redis.Admin, redis.Port, settings.RoundTripCalls);
    Report.PrintRoundTrips(roundTrips, settings.RoundTripCalls);
    return Report.Verdict(mixed, roundTrips);
}
finally
{
    foreach (var service in services)
    {
        await service.DisposeAsync();
    }
}

static Uri Url(ServiceProcess service) => new($"http://127.0.0.1:{service.GrpcPort.ToString(CultureInfo.InvariantCulture)}");
