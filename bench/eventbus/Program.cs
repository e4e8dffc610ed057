using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Marketplace.EventBus;
using Marketplace.EventBus.Bench;
using Marketplace.EventBus.Bench.Contracts;
using Marketplace.Hosting;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

// Usage: EventBus.Bench <redis host:port> <events> [publishers]
// Publishes <events> Tick events through units of work (outbox), lets the relay move them to the
// topic stream and the consumer group handle (idempotent effect) and acknowledge them, and prints
// the end-to-end rate. run.sh prints it next to redis-benchmark's XADD rate.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: EventBus.Bench <redis host:port> <events> [publishers]");
    return 2;
}

string redis = args[0];
int events = int.Parse(args[1], CultureInfo.InvariantCulture);
int publishers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;

var app = MarketplaceService.Build(
    [],
    "bench",
    builder => builder.AddEventBus(BenchCatalogue.Create(), handlers => handlers.Add<TickHandler>()),
    app => app.MapEventBus(),
    new Dictionary<string, string?>
    {
        ["Platform:BindAddress"] = "127.0.0.1",
        ["Platform:GrpcPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
        ["Platform:HttpPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
        ["Platform:Redis"] = redis,
        ["Identity:SigningKey"] = "bench-only-signing-key-of-at-least-32-bytes",
        ["EventBus:QueueDepth"] = "500",
        ["EventBus:Workers"] = "64",
        ["EventBus:ReadTimeoutMs"] = "100",
        ["Logging:LogLevel:Default"] = "Warning",
    });
await app.StartAsync();

var executor = app.Services.GetRequiredService<UnitOfWorkExecutor>();
var database = app.Services.GetRequiredService<RedisConnection>().Database;

var clock = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(1, events), new ParallelOptions { MaxDegreeOfParallelism = publishers }, async (i, ct) =>
{
    string gig = "g-" + (i % 100).ToString(CultureInfo.InvariantCulture);
    await executor.ExecuteAsync("request:" + i.ToString(CultureInfo.InvariantCulture), (work, _) =>
    {
        work.Publish(BenchCatalogue.Tick, gig, new Tick { GigId = gig, Sequence = i });
        return Task.CompletedTask;
    }, ct);
});
double publishSeconds = clock.Elapsed.TotalSeconds;

var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
while ((long)await database.HashGetAsync(TickHandler.TotalsKey, "handled") < events || await PendingAsync() > 0)
{
    if (DateTime.UtcNow > deadline)
    {
        Console.Error.WriteLine("the consumer did not handle every event within 5 minutes");
        return 1;
    }

    await Task.Delay(5);
}

double seconds = clock.Elapsed.TotalSeconds;
await app.StopAsync();

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"eventbus_events={events} publish_only_per_s={events / publishSeconds:F0} publish_consume_ack_per_s={events / seconds:F0} seconds={seconds:F2}"));
return 0;

async Task<long> PendingAsync()
{
    var summary = (RedisResult[])(await database.ExecuteAsync("XPENDING", (RedisKey)BenchCatalogue.Topic, "bench"))!;
    return (long)summary[0];
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
