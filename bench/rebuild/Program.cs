using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Platform;
using Marketplace.Scenario;
using Marketplace.Scoring.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Order = Marketplace.Contracts.Orders.V1.Order;

// Usage: Rebuild.Bench facts <redis host:port> <orders>    order records in Scoring's layout, written directly (pipelined)
//        Rebuild.Bench events <redis host:port> <orders>   the same orders as events (placed, completed, a third reviewed) through the bus
//        Rebuild.Bench caught-up <redis host:port>         waits until Scoring has handled every event, prints the seconds waited
// The synthetic history: 10 orders per Gig, 4 Gigs per seller, 5 categories, 30 to 400 USD, over two years.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Rebuild.Bench facts|events <redis host:port> <orders> | caught-up <redis host:port>");
    return 2;
}

string mode = args[0], redis = args[1];
int count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 0;
var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
string[] categories = ["logo-design", "illustration", "web-design", "copywriting", "video-editing"];

Order Snapshot(int i, long version, OrderState state)
{
    int gig = i / 10, seller = gig / 4;
    var random = new Random(i);
    var created = t0.AddMinutes(random.Next(0, 700 * 1440));
    var order = new Order
    {
        OrderId = $"o-{i}",
        GigId = $"g-{gig}",
        SellerId = $"s-{seller}",
        BuyerId = $"b-{random.Next(0, 50_000)}",
        Category = categories[gig % categories.Length],
        Amount = new Money { CurrencyCode = "USD", AmountMinor = 3_000 + (gig % 37) * 1_000 },
        State = state,
        Version = version,
        CreatedAt = Timestamp.FromDateTimeOffset(created),
        DueAt = Timestamp.FromDateTimeOffset(created.AddDays(7)),
    };
    if (state == OrderState.Completed)
    {
        var delivered = created.AddDays(random.Next(0, 10) < 8 ? 5 : 9);
        order.FirstDeliveredAt = Timestamp.FromDateTimeOffset(delivered);
        order.CompletedAt = Timestamp.FromDateTimeOffset(delivered.AddDays(1));
        order.DisputeCount = random.Next(0, 20) == 0 ? 1 : 0;
    }

    return order;
}

Review? ReviewOf(int i)
{
    if (i % 3 != 0)
    {
        return null;
    }

    var random = new Random(-i);
    int stars = random.Next(0, 10) < 7 ? 5 : random.Next(1, 5);
    var completed = Snapshot(i, 2, OrderState.Completed).CompletedAt.ToDateTimeOffset();
    return new Review
    {
        OrderId = $"o-{i}",
        Version = 2,
        Status = ReviewStatus.Published,
        PublishedAt = Timestamp.FromDateTimeOffset(completed.AddDays(2)),
        Ratings = new BuyerRatings { Overall = stars, Communication = stars, Quality = stars, ValueForMoney = Math.Max(1, stars - 1), WouldRecommend = stars >= 4, PrivateRating = stars * 2 },
    };
}

var clock = Stopwatch.StartNew();
switch (mode)
{
    case "facts":
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = connection.GetDatabase();
        const int chunk = 5_000;
        for (int start = 0; start < count; start += chunk)
        {
            var batch = db.CreateBatch();
            var writes = new List<Task>(chunk * 3);
            for (int i = start; i < Math.Min(count, start + chunk); i++)
            {
                var order = Snapshot(i, 2, OrderState.Completed);
                var record = OrderRecord.Empty.WithOrder(order);
                if (ReviewOf(i) is { } review)
                {
                    record = record.WithReview(review);
                }

                writes.Add(batch.HashSetAsync(ScoringKeys.Order(order.OrderId), record.ToFields().Entries.Select(e => new HashEntry(e.Key, e.Value)).ToArray()));
                writes.Add(batch.SetAddAsync(ScoringKeys.GigOrders(order.GigId), order.OrderId));
                if (i % 10 == 0)
                {
                    writes.Add(batch.SetAddAsync(ScoringKeys.SellerGigs(order.SellerId), order.GigId));
                    writes.Add(batch.SetAddAsync(ScoringKeys.Sellers, order.SellerId));
                }
            }

            batch.Execute();
            await Task.WhenAll(writes);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"facts_loaded={count} gigs={(count + 9) / 10} sellers={(count + 39) / 40} seconds={clock.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    case "events":
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:BindAddress"] = "127.0.0.1",
            ["Platform:GrpcPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Platform:HttpPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Platform:Redis"] = redis,
            ["Identity:SigningKey"] = "bench-only-signing-key-of-at-least-32-bytes",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        // The bench publishes as Orders and Reviews would: units of work through the outbox and relay.
        builder.AddHostingDefaults("orders");
        builder.AddEventBus(PlatformEvents.Catalogue, _ => { });
        var app = builder.Build();
        app.MapHostingDefaults(_ => false);
        app.MapEventBus();
        await app.StartAsync();
        var executor = app.Services.GetRequiredService<UnitOfWorkExecutor>();
        long published = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, ct) =>
        {
            var events = new List<IMessage> { new OrderPlaced { Order = Snapshot(i, 1, OrderState.Placed) }, new OrderCompleted { Order = Snapshot(i, 2, OrderState.Completed) } };
            if (ReviewOf(i) is { } review)
            {
                events.Add(new ReviewPublished { Review = review });
            }

            await executor.ExecuteAsync(null, (work, _) =>
            {
                foreach (var e in events)
                {
                    work.Publish(PlatformEvents.TypeOf(e.Descriptor), $"o-{i}", e);
                }

                return Task.CompletedTask;
            }, ct);
            Interlocked.Add(ref published, events.Count);
        });

        // Every entry relayed to its topic stream.
        var db = app.Services.GetRequiredService<RedisConnection>().Database;
        while ((long)await db.StreamLengthAsync(PlatformEvents.Topics.Orders) + (long)await db.StreamLengthAsync(PlatformEvents.Topics.Reviews) < published)
        {
            await Task.Delay(100);
        }

        await app.StopAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"events_published={published} seconds={clock.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    case "caught-up":
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var probe = new PlatformProbe(connection.GetDatabase(), new Dictionary<string, string[]>
        {
            [PlatformEvents.Topics.Orders] = ["scoring"],
            [PlatformEvents.Topics.Reviews] = ["scoring"],
        });
        await probe.WaitUntilCaughtUpAsync(TimeSpan.FromMinutes(30));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"caught_up_seconds={clock.Elapsed.TotalSeconds:F1}"));
        return 0;
    }

    case "read":
    {
        // Every order read on a plain connection, without a script: SMEMBERS per Gig, HGETALL per order, pipelined by 256 Gigs (to compare with the rebuild's read script).
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = connection.GetDatabase();
        int gigs = (count + 9) / 10;
        long read = 0;
        foreach (var chunk in Enumerable.Range(0, gigs).Chunk(256))
        {
            var batch = db.CreateBatch();
            var sets = chunk.Select(g => batch.SetMembersAsync(ScoringKeys.GigOrders($"g-{g}"))).ToArray();
            batch.Execute();
            var ids = (await Task.WhenAll(sets)).SelectMany(x => x).ToArray();
            batch = db.CreateBatch();
            var all = ids.Select(id => batch.HashGetAllAsync(ScoringKeys.Order((string)id!))).ToArray();
            batch.Execute();
            read += (await Task.WhenAll(all)).Length;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read_orders={read} seconds={clock.Elapsed.TotalSeconds:F2} orders_per_s={read / clock.Elapsed.TotalSeconds:F0}"));
        return 0;
    }

    case "cpu":
    {
        // CPU per order of the rebuild's own work, without Redis: parse the stored hash, compute the Gig.
        var options = new Marketplace.Scoring.ScoringOptions();
        var hashes = Enumerable.Range(0, count).Select(i =>
        {
            var record = OrderRecord.Empty.WithOrder(Snapshot(i, 2, OrderState.Completed));
            record = ReviewOf(i) is { } r ? record.WithReview(r) : record;
            return record.ToFields().Entries.Select(e => new HashEntry(e.Key, e.Value)).ToArray();
        }).ToArray();
        // Memory a rebuild holding its new generation keeps per Gig (HeldGeneration, Scoring:RebuildHoldGigs).
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"held_bytes_per_gig={HeldBytesPerGig(hashes, options):F0}"));
        for (int round = 0; round < 3; round++)
        {
            var watch = Stopwatch.StartNew();
            var parsed = hashes.Select((entries, i) => ($"o-{i}", OrderRecord.FromFields(HashReader.From($"scoring order o-{i}", entries)))).ToArray();
            double parse = watch.Elapsed.TotalMicroseconds / count;
            watch.Restart();
            foreach (var gig in parsed.Chunk(10))
            {
                Marketplace.Scoring.Rebuild.ScoreRebuilder.Compute(gig[0].Item2.GigId, gig, options, 1);
            }

            double compute = watch.Elapsed.TotalMicroseconds / count;
            // The writes' values formatted as well.
            watch.Restart();
            long chars = 0;
            foreach (var gig in parsed.Chunk(10))
            {
                var build = Marketplace.Scoring.Rebuild.ScoreRebuilder.Compute(gig[0].Item2.GigId, gig, options, 1);
                chars += build.Gig.ToEntries().Length;
                chars += build.Counted.Sum(c => OrderRecord.FormatContribution(c.Contribution).Length);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"parse_us_per_order={parse:F2} compute_us_per_order={compute:F2} compute_and_format_us_per_order={watch.Elapsed.TotalMicroseconds / count:F2} ({chars})"));
        }


        return 0;
    }

    default:
        Console.Error.WriteLine($"unknown mode '{mode}'");
        return 2;
}

// Measured in a method of its own, before the timed rounds make garbage: the delta is the held Gigs alone.
[System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
static double HeldBytesPerGig(HashEntry[][] hashes, Marketplace.Scoring.ScoringOptions options)
{
    long before = GC.GetTotalMemory(forceFullCollection: true);
    var held = new Marketplace.Scoring.Rebuild.HeldGeneration();
    int gigs = 0;
    // Parsed a Gig at a time, as a batch's records are dropped once computed: the held Gig keeps its own strings.
    foreach (var gig in hashes.Select((entries, i) => ($"o-{i}", OrderRecord.FromFields(HashReader.From($"scoring order o-{i}", entries)))).Chunk(10))
    {
        string gigId = $"held-{gigs++}";
        held.Put([Marketplace.Scoring.Rebuild.ScoreRebuilder.Compute(gigId, gig.Select(o => (o.Item1, o.Item2 with { GigId = gigId })), options, 1).Gig]);
    }

    long after = GC.GetTotalMemory(forceFullCollection: true);
    GC.KeepAlive(held);
    return (after - before) / (double)gigs;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
