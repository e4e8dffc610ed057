using System.Net;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Marketplace.Clients;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting.Identity;
using Marketplace.Scoring.Store;
using Marketplace.Testing;
using Xunit;
using Xunit.Abstractions;
using static Marketplace.Clients.PlatformClients;
using static Marketplace.Testing.TestIdentity;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Marketplace.Platform.Tests;

/// <summary>
/// Issue 15, "a Redis-outage test": the four services on a Redis of their own (append-only file,
/// fsync on every write), buyers placing orders from four concurrent callers; redis-server is killed
/// with SIGKILL mid-load, the calls go on failing for a while, and it is started again on the same
/// port and data. No acknowledged write is lost, every failed call ended UNAVAILABLE (so a client
/// may retry it: retried with its request id it succeeds once), every service is ready again by
/// itself, and the event consumers resume (every order, placed before, during or after the outage,
/// reaches Scoring).
/// </summary>
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    private const int Callers = 4;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static readonly Timestamp Due = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(3));

    private sealed record Call(int Caller, string RequestId, StatusCode Status, string? OrderId, string Detail);

    [Fact]
    public async Task Redis_killed_under_load_loses_no_acknowledged_write_and_every_failed_call_is_UNAVAILABLE_and_all_recovers()
    {
        await using var redis = await RedisServer.StartAsync(appendOnly: true, fsyncEveryWrite: true);
        await using var orders = await Services.OrdersAsync(redis.ConnectionString);
        await using var reviews = await Services.ReviewsAsync(redis.ConnectionString);
        await using var messaging = await Services.MessagingAsync(redis.ConnectionString);
        await using var scoring = await Services.ScoringAsync(redis.ConnectionString);
        (string Name, ServiceHost Host)[] hosts = [("orders", orders), ("reviews", reviews), ("messaging", messaging), ("scoring", scoring)];
        var client = orders.Client<OrdersService.OrdersServiceClient>();
        string tag = Guid.NewGuid().ToString("N")[..8];

        var calls = new List<Call>();
        int Count(Func<Call, bool> which, int from = 0)
        {
            lock (calls)
            {
                return calls.Skip(from).Count(which);
            }
        }

        int Mark()
        {
            lock (calls)
            {
                return calls.Count;
            }
        }

        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            for (int n = 0; !stop.IsCancellationRequested; n++)
            {
                var call = await PlaceAsync(client, tag, caller, $"place-{caller}-{n}");
                lock (calls)
                {
                    calls.Add(call);
                }
            }
        })).ToArray();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Wait.UntilAsync(() => Task.FromResult(Count(c => c.Status == StatusCode.OK) >= 5 * Callers), "orders are placed under load");
        var loaded = clock.Elapsed;
        await redis.KillAsync();
        int killed = Mark();
        await Wait.UntilAsync(() => Task.FromResult(Count(c => c.Status != StatusCode.OK, killed) >= Callers), "calls fail while Redis is away");
        var away = clock.Elapsed;
        await redis.StartAgainAsync();
        int restarted = Mark();
        var back = clock.Elapsed;
        await Wait.UntilAsync(() => Task.FromResult(Count(c => c.Status == StatusCode.OK, restarted) >= 2 * Callers), "orders are placed again after the restart");
        await stop.CancelAsync();
        await Task.WhenAll(load);
        output.WriteLine($"{killed} calls before the kill ({loaded.TotalSeconds:F1} s), {restarted - killed} while Redis was away " +
            $"({(away - loaded).TotalSeconds:F1} s, restarted in {(back - away).TotalSeconds:F1} s), {calls.Count - restarted} after " +
            $"({(clock.Elapsed - back).TotalSeconds:F1} s); {calls.Count(c => c.Status != StatusCode.OK)} failed: " +
            string.Join(", ", calls.Where(c => c.Status != StatusCode.OK).GroupBy(c => c.Status).Select(g => $"{g.Count()} {g.Key}")));

        // Every failed call ended UNAVAILABLE, never UNKNOWN, INTERNAL or past its deadline.
        var failed = calls.Where(c => c.Status != StatusCode.OK).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, c => Assert.True(c.Status == StatusCode.Unavailable, $"{c.RequestId} ended {c.Status}: {c.Detail}"));

        // Every service is ready again by itself: /readyz and gRPC health.
        foreach (var (name, host) in hosts)
        {
            using var health = TypedClients.For<Health.HealthClient>(host.GrpcAddress);
            await Wait.UntilAsync(async () => await ReadyzAsync(host) == HttpStatusCode.OK, $"{name}'s /readyz answers 200 again", TimeSpan.FromSeconds(30));
            await Wait.UntilAsync(async () => await GrpcHealthAsync(health.Get<Health.HealthClient>()) == ServingStatus.Serving, $"{name}'s gRPC health is SERVING again", TimeSpan.FromSeconds(30));
        }

        // A failed call was not acknowledged; retried with its request id it succeeds, once.
        var retried = new List<Call>();
        foreach (var call in failed)
        {
            var again = await PlaceAsync(client, tag, call.Caller, call.RequestId);
            Assert.True(again.Status == StatusCode.OK, $"{call.RequestId} retried: {again.Status} {again.Detail}");
            retried.Add(again);
            var repeated = await PlaceAsync(client, tag, call.Caller, call.RequestId);
            Assert.True(repeated.OrderId == again.OrderId, $"{call.RequestId} repeated: {repeated.Status} {repeated.Detail}, {repeated.OrderId} after {again.OrderId}");
        }

        // No acknowledged write is lost: every order an OK answered is there.
        var acknowledged = calls.Where(c => c.Status == StatusCode.OK).Concat(retried).ToList();
        var auditor = Authorization(Bearer("auditor", CallerRole.Internal));
        foreach (var call in acknowledged)
        {
            var order = await client.GetOrderAsync(new GetOrderRequest { OrderId = call.OrderId }, auditor);
            Assert.Equal($"buyer-{tag}-{call.Caller}", order.BuyerId);
        }

        Assert.Equal(acknowledged.Count, acknowledged.Select(c => c.OrderId).Distinct().Count());

        // The consumers resumed: every order, from before, during and after the outage, reaches Scoring.
        var db = redis.Admin.GetDatabase();
        await BusSettled.WaitAsync(db, "the orders placed around the outage", TimeSpan.FromSeconds(60));
        output.WriteLine($"{acknowledged.Count} orders acknowledged, all found; the bus settled {clock.Elapsed.TotalSeconds:F1} s after the start");
        foreach (var call in acknowledged)
        {
            Assert.True(await db.KeyExistsAsync(ScoringKeys.Order(call.OrderId!)), $"Scoring has order {call.OrderId} ({call.RequestId})");
        }
    }

    /// <summary>Places caller <paramref name="caller"/>'s order; the same request id sends the same request (a retry).</summary>
    private static async Task<Call> PlaceAsync(OrdersService.OrdersServiceClient client, string tag, int caller, string requestId)
    {
        try
        {
            var order = await client.PlaceOrderAsync(new PlaceOrderRequest
            {
                RequestId = requestId,
                GigId = $"gig-{tag}-{caller}",
                SellerId = $"seller-{tag}",
                Category = "logo-design",
                Amount = new Money { CurrencyCode = "USD", AmountMinor = 5_000 },
                DueAt = Due,
            }, Authorization(Bearer($"buyer-{tag}-{caller}", CallerRole.Buyer)), deadline: DateTime.UtcNow.AddSeconds(20));
            return new Call(caller, requestId, StatusCode.OK, order.OrderId, "");
        }
        catch (RpcException e)
        {
            return new Call(caller, requestId, e.StatusCode, null, e.Status.Detail);
        }
    }

    private static async Task<HttpStatusCode> ReadyzAsync(ServiceHost host)
    {
        using var response = await Http.GetAsync(new Uri(host.HttpAddress, "/readyz"));
        return response.StatusCode;
    }

    private static async Task<ServingStatus> GrpcHealthAsync(Health.HealthClient health)
    {
        try
        {
            return (await health.CheckAsync(new HealthCheckRequest { Service = "" }, deadline: DateTime.UtcNow.AddSeconds(5))).Status;
        }
        catch (RpcException)
        {
            return ServingStatus.Unknown;
        }
    }
}
