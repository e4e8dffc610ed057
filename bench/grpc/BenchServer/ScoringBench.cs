using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.Platform;
using Marketplace.Scoring;
using Marketplace.Scoring.Api;
using Marketplace.Scoring.Background;
using StackExchange.Redis;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Bench.Grpc;

/// <summary>
/// Benchmark (d): the Scoring service composed exactly as its Program.cs composes it, on a real
/// Redis, with one seeded Gig: <see cref="Orders"/> completed and reviewed orders of
/// <see cref="GigId"/> and of peer Gigs in the same category and price band, delivered as the
/// events Orders and Reviews publish, through the service's own bus; then the daily evaluation
/// ranks the peer group, so GetGigScore answers a full score with its six areas.
/// </summary>
public static class ScoringBench
{
    public const string GigId = "bench-gig";
    public const string SellerId = "bench-seller";
    public const int Orders = 20;
    public const int PeerGigs = 6;

    public static WebApplication Build(string grpcPort, string httpPort, string redis)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Platform:BindAddress"] = "127.0.0.1",
            ["Platform:GrpcPort"] = grpcPort,
            ["Platform:HttpPort"] = httpPort,
            ["Platform:Redis"] = redis,
            ["Identity:SigningKey"] = BenchIdentity.SigningKey,
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        });
        builder.AddServiceDefaults("scoring");
        builder.AddScoring();
        var app = builder.Build();
        app.UseMiddleware<OkResponses>();
        app.MapServiceDefaults();
        app.MapGrpcService<ScoringApi>();
        return app;
    }

    /// <summary>Publishes the orders' events, waits until Scoring has handled them, runs the daily evaluation.</summary>
    public static async Task SeedAsync(WebApplication app, string redis)
    {
        var executor = app.Services.GetRequiredService<UnitOfWorkExecutor>();
        var start = DateTimeOffset.UtcNow.AddDays(-60);
        int n = 0;
        foreach (var (gig, seller, count) in Gigs())
        {
            for (int i = 0; i < count; i++, n++)
            {
                string orderId = $"{gig}-order-{i}";
                var created = start.AddHours(n);
                foreach (var payload in Events(orderId, gig, seller, $"buyer-{n % 17}", created, rating: 3 + (n % 3)))
                {
                    await executor.ExecuteAsync(null, (work, _) =>
                    {
                        work.Publish(PlatformEvents.TypeOf(payload.Descriptor), orderId, payload);
                        return Task.CompletedTask;
                    }, CancellationToken.None);
                }
            }
        }

        using var admin = await ConnectionMultiplexer.ConnectAsync(redis);
        foreach (string topic in new[] { PlatformEvents.Topics.Orders, PlatformEvents.Topics.Reviews })
        {
            await ConsumedAsync(admin.GetDatabase(), topic, "scoring");
        }

        await app.Services.GetRequiredService<DailyEvaluation>().RunAsync(CancellationToken.None);
    }

    /// <summary>
    /// GetGigScore's work without the transport (the Redis read, the engine, the response message
    /// serialized), <paramref name="calls"/> times with <paramref name="inFlight"/> at once: CPU
    /// per call and allocations per call, for the split between Scoring's part and the gRPC stack's.
    /// Measured once the JIT has settled (<paramref name="warmUp"/>), as run.sh measures the servers.
    /// </summary>
    public static async Task ReadLoopAsync(WebApplication app, int calls, int inFlight, JitWarmUp warmUp)
    {
        var reads = app.Services.GetRequiredService<Marketplace.Scoring.Store.ScoreReads>();
        var policy = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ScoringOptions>>().Value.Policy;
        var clock = app.Services.GetRequiredService<TimeProvider>();
        async Task<int> One()
        {
            var read = await reads.GigAsync(GigId);
            return ScoringMessages.ToMessage(read!.Gig(GigId).Score(policy), policy, clock.GetUtcNow()).CalculateSize();
        }

        async Task Run(int n)
        {
            int next = 0;
            await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= n)
                {
                    await One();
                }
            }));
        }

        var warmed = await warmUp.RunAsync(Run);
        using var allocations = AllocationSampler.StartFromEnvironment();
        var before = BenchSnapshot.Now();
        var wall = System.Diagnostics.Stopwatch.StartNew();
        await Run(calls);
        wall.Stop();
        var after = BenchSnapshot.Now();
        allocations?.Print(calls);
        double cpuUs = (after.CpuMs - before.CpuMs) * 1000 / calls;
        long bytes = (after.AllocatedBytes - before.AllocatedBytes) / calls;
        string jit = warmed.Settled
            ? $"JIT settled: {warmed.LastChunkMethods} methods compiled in the last {warmUp.Chunk}"
            : $"the JIT did not settle: {warmed.LastChunkMethods} methods compiled in the last {warmUp.Chunk}";
        Console.WriteLine($"INPROC {calls} calls, {inFlight} in flight: {calls / wall.Elapsed.TotalSeconds:F0} calls/s, {cpuUs:F0} us CPU per call, {bytes} bytes allocated per call (after {warmed.Calls} warm-up calls, {jit}; {after.JitMethods - before.JitMethods} compiled while measured)");
    }

    private static IEnumerable<(string Gig, string Seller, int Orders)> Gigs()
    {
        yield return (GigId, SellerId, Orders);
        for (int p = 0; p < PeerGigs; p++)
        {
            yield return ($"peer-gig-{p}", $"peer-seller-{p}", 5);
        }
    }

    private static IEnumerable<IMessage> Events(string orderId, string gig, string seller, string buyer, DateTimeOffset created, int rating)
    {
        var due = created.AddDays(7);
        var delivered = created.AddDays(5);
        var completed = delivered.AddDays(1);
        Order Snapshot(long version, OrderState state)
        {
            var order = new Order
            {
                OrderId = orderId,
                Version = version,
                State = state,
                GigId = gig,
                SellerId = seller,
                BuyerId = buyer,
                Category = "logo-design",
                Amount = new Money { CurrencyCode = "USD", AmountMinor = 12_000 },
                CreatedAt = Timestamp.FromDateTimeOffset(created),
                OriginalDueAt = Timestamp.FromDateTimeOffset(due),
                DueAt = Timestamp.FromDateTimeOffset(due),
                UpdatedAt = Timestamp.FromDateTimeOffset(created),
            };
            if (state == OrderState.Completed)
            {
                order.FirstDeliveredAt = Timestamp.FromDateTimeOffset(delivered);
                order.LastDeliveredAt = order.FirstDeliveredAt;
                order.DeliveryCount = 1;
                order.CompletedAt = Timestamp.FromDateTimeOffset(completed);
                order.UpdatedAt = order.CompletedAt;
            }

            return order;
        }

        yield return new OrderPlaced { Order = Snapshot(1, OrderState.Placed) };
        yield return new OrderCompleted { Order = Snapshot(2, OrderState.Completed) };
        yield return new ReviewPublished
        {
            Review = new Review
            {
                OrderId = orderId,
                Version = 2,
                GigId = gig,
                SellerId = seller,
                BuyerId = buyer,
                Category = "logo-design",
                OrderOutcome = ReviewedOrderOutcome.Completed,
                Status = ReviewStatus.Published,
                Ratings = new BuyerRatings { Overall = rating, Communication = rating, Quality = rating, ValueForMoney = rating, WouldRecommend = rating >= 4, PrivateRating = rating * 2 },
                Text = "A review text of enough length.",
                SubmittedAt = Timestamp.FromDateTimeOffset(completed.AddHours(2)),
                PublishedAt = Timestamp.FromDateTimeOffset(completed.AddHours(2)),
            },
        };
    }

    /// <summary>Waits until consumer group <paramref name="group"/> has read and acknowledged every entry of <paramref name="topic"/>.</summary>
    private static async Task ConsumedAsync(IDatabase db, string topic, string group)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (await db.KeyExistsAsync(topic))
            {
                foreach (var info in await db.StreamGroupInfoAsync(topic))
                {
                    if (info.Name == group && info.Lag == 0 && info.PendingMessageCount == 0)
                    {
                        return;
                    }
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"scoring did not handle every event on {topic} within 2 minutes");
    }
}
