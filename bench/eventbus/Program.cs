using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Marketplace.EventBus;
using Marketplace.EventBus.Bench;
using Marketplace.EventBus.Bench.Contracts;
using Marketplace.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

// Usage: EventBus.Bench <redis host:port> <events> [publishers]
//        EventBus.Bench <redis host:port> latency [events]
//        EventBus.Bench <redis host:port> commit [units]
// Throughput: publishes <events> Tick events through units of work (outbox), lets the relay move
// them to the topic stream and the consumer group handle (idempotent effect) and acknowledge them,
// and prints the end-to-end rate. run.sh prints it next to redis-benchmark's XADD rate.
// Latency: measures what an idle bus costs Redis (commands/s while nothing is published) and the
// publish-to-handler delay of events published one at a time (how fast an idle reader wakes up).
// Commit: what the unit-of-work script costs Redis for a commit shaped like Scoring's commit of a
// completed order, next to the same writes sent as a plain MULTI/EXEC (no checks, no marker).
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: EventBus.Bench <redis host:port> <events> [publishers] | <redis host:port> latency [events] | <redis host:port> commit [units]");
    return 2;
}

string redis = args[0];
if (args[1] == "commit")
{
    return await CommitCost.RunAsync(redis, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5000);
}

bool latencyMode = args[1] == "latency";
int events = latencyMode ? (args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50) : int.Parse(args[1], CultureInfo.InvariantCulture);
int publishers = !latencyMode && args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Platform:BindAddress"] = "127.0.0.1",
    ["Platform:GrpcPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
    ["Platform:HttpPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
    ["Platform:Redis"] = redis,
    ["Identity:SigningKey"] = "bench-only-signing-key-of-at-least-32-bytes",
    ["EventBus:QueueDepth"] = "500",
    ["EventBus:Workers"] = "64",
    // Throughput: short blocks; latency: the default, as a service runs.
    ["EventBus:ReadTimeoutMs"] = latencyMode ? "2000" : "100",
    ["Logging:LogLevel:Default"] = "Warning",
});
builder.AddHostingDefaults("bench");
builder.AddEventBus(BenchCatalogue.Create(), handlers => handlers.Add<TickHandler>());
var app = builder.Build();
app.MapHostingDefaults(_ => false);
app.MapEventBus();
await app.StartAsync();

var executor = app.Services.GetRequiredService<UnitOfWorkExecutor>();
var database = app.Services.GetRequiredService<RedisConnection>().Database;
if (latencyMode)
{
    return await LatencyAsync();
}

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

async Task<long> PendingAsync() => (await database.StreamPendingAsync(BenchCatalogue.Topic, "bench")).PendingMessageCount;

async Task<int> LatencyAsync()
{
    using var admin = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
    var server = admin.GetServers()[0];
    async Task<long> CommandsAsync() => long.Parse(
        (await server.InfoAsync("stats")).SelectMany(group => group).First(pair => pair.Key == "total_commands_processed").Value,
        CultureInfo.InvariantCulture);

    // Let both readers (relay and consumer) settle, then count what Redis does while nothing happens.
    await Task.Delay(TimeSpan.FromSeconds(3));
    const int idleSeconds = 20;
    long before = await CommandsAsync();
    await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
    long idleCommands = await CommandsAsync() - before - 1; // less the INFO itself

    TickHandler.Delays.Clear();
    for (int i = 1; i <= events; i++)
    {
        await executor.ExecuteAsync(null, (work, _) =>
        {
            work.Publish(BenchCatalogue.Tick, "g-1", new Tick { GigId = "g-1", Sequence = i });
            return Task.CompletedTask;
        }, CancellationToken.None);
        var wait = Stopwatch.StartNew();
        while (TickHandler.Delays.Count < i && wait.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(1);
        }

        // Publish the next one at a random point of the readers' idle cycle.
        await Task.Delay(Random.Shared.Next(50, 400));
    }

    var delays = TickHandler.Delays.Select(d => d.TotalMilliseconds).Order().ToArray();
    await app.StopAsync();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"idle_commands_per_s={idleCommands / (double)idleSeconds:F2} events={delays.Length} publish_to_handler_ms_p50={delays[delays.Length / 2]:F1} p95={delays[(int)(delays.Length * 0.95)]:F1} max={delays[^1]:F1}"));
    return 0;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
