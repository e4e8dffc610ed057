using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Hosting.Time;
using Marketplace.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using IDatabase = StackExchange.Redis.IDatabase;
using static Marketplace.Clients.PlatformClients;

namespace Marketplace.Platform.Tests.SimulatedClock;

/// <summary>
/// The four services in-process, each on the platform's simulated clock in Redis
/// (<c>Platform:Clock=Simulated</c>, docs/clock.md) as separate processes would be: every host
/// has its own <see cref="Hosting.Time.SimulatedClock"/> and none shares memory with the test.
/// The test moves time only through the driver, as the DevHost does; the clock starts at
/// <see cref="Start"/> and stands still between advances, so every time a test sees is exact.
/// </summary>
internal sealed class SimulatedPlatform : IAsyncDisposable
{
    /// <summary>Where the clock starts (a Monday morning, before the machine's time).</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private readonly ServiceHost[] _hosts;

    private SimulatedPlatform(RedisFixture redis, SimulatedClockDriver clock, ServiceHost[] hosts)
    {
        Redis = redis;
        Clock = clock;
        _hosts = hosts;
        Orders = hosts[0].Client<OrdersService.OrdersServiceClient>();
        Reviews = hosts[1].Client<ReviewsService.ReviewsServiceClient>();
        Messaging = hosts[2].Client<MessagingService.MessagingServiceClient>();
        Scoring = hosts[3].Client<ScoringService.ScoringServiceClient>();
    }

    public RedisFixture Redis { get; }

    public IDatabase Db => Redis.Server.Admin.GetDatabase();

    public SimulatedClockDriver Clock { get; }

    public OrdersService.OrdersServiceClient Orders { get; }

    public ReviewsService.ReviewsServiceClient Reviews { get; }

    public MessagingService.MessagingServiceClient Messaging { get; }

    public ScoringService.ScoringServiceClient Scoring { get; }

    public static Metadata Buyer(string id) => Authorization(TestIdentity.Bearer(id, CallerRole.Buyer));

    public static Metadata Seller(string id) => Authorization(TestIdentity.Bearer(id, CallerRole.Seller));

    public static Metadata Support { get; } = Authorization(TestIdentity.Bearer("support-clock", CallerRole.Support));

    public static DateTimeOffset Day(double day) => Start + TimeSpan.FromDays(day);

    /// <summary>Starts the four services on a flushed Redis with the simulated clock at <see cref="Start"/>.</summary>
    public static async Task<SimulatedPlatform> StartAsync(RedisFixture redis, IReadOnlyDictionary<string, string?>? extra = null)
    {
        await redis.FlushAsync();
        var clock = PlatformClock.Driver(redis.Server.Admin, TimeSpan.FromSeconds(30));
        Assert.True(await clock.StartAtAsync(Start));
        var settings = new Dictionary<string, string?>(PlatformClock.SimulatedSettings.ToDictionary(s => s.Key, s => (string?)s.Value));
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var hosts = new List<ServiceHost>();
        try
        {
            hosts.Add(await Services.OrdersAsync(redis.ConnectionString, settings));
            hosts.Add(await Services.ReviewsAsync(redis.ConnectionString, settings));
            hosts.Add(await Services.MessagingAsync(redis.ConnectionString, settings));
            hosts.Add(await Services.ScoringAsync(redis.ConnectionString, settings));
        }
        catch
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }

            throw;
        }

        var platform = new SimulatedPlatform(redis, clock, [.. hosts]);
        await clock.SettleAsync();
        return platform;
    }

    /// <summary>Every host reads <paramref name="expected"/> from its own clock.</summary>
    public void AssertEveryServiceReads(DateTimeOffset expected)
    {
        foreach (var host in _hosts)
        {
            Assert.Equal(expected, host.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        }
    }

    /// <summary>Places an order of <paramref name="buyer"/> with <paramref name="seller"/>, due <paramref name="dueIn"/> from now, and takes it to in progress.</summary>
    public async Task<Order> RunningOrderAsync(string buyer, string seller, string gig, TimeSpan dueIn, long cents = 5_000, string category = "logo-design")
    {
        var now = await Clock.NowAsync() ?? Start;
        var order = await Orders.PlaceOrderAsync(new PlaceOrderRequest
        {
            RequestId = "place-" + gig + "-" + Guid.NewGuid().ToString("N")[..6],
            GigId = gig,
            SellerId = seller,
            Category = category,
            Amount = new Money { CurrencyCode = "USD", AmountMinor = cents },
            DueAt = Timestamp.FromDateTimeOffset(now + dueIn),
        }, Buyer(buyer));
        await Orders.SubmitRequirementsAsync(new SubmitRequirementsRequest { RequestId = "req-" + order.OrderId, OrderId = order.OrderId, Requirements = "Navy and white." }, Buyer(buyer));
        return await Orders.StartWorkAsync(new StartWorkRequest { RequestId = "start-" + order.OrderId, OrderId = order.OrderId }, Seller(seller));
    }

    public Task<Order> DeliverAsync(Order order) =>
        Orders.DeliverOrderAsync(new DeliverOrderRequest { RequestId = "deliver-" + order.OrderId, OrderId = order.OrderId, Message = "Here it is." }, Seller(order.SellerId)).ResponseAsync;

    public Task<Order> GetOrderAsync(Order order) =>
        Orders.GetOrderAsync(new GetOrderRequest { OrderId = order.OrderId }, Support).ResponseAsync;

    /// <summary>The events of <paramref name="payload"/>'s type on its topic, oldest first, with their subject.</summary>
    public async Task<IReadOnlyList<(string Subject, T Payload, DateTimeOffset Time)>> EventsAsync<T>(MessageDescriptor payload, MessageParser<T> parser)
        where T : IMessage<T>
    {
        string type = PlatformEvents.TypeOf(payload);
        string topic = PlatformEvents.Catalogue.Get(type).Topic;
        return (await TopicHistory.ReadAsync(Db, topic))
            .Select(e => e.Event)
            .Where(e => e.Type == type)
            .Select(e => (e.Subject ?? "", parser.ParseJson(e.Data), e.Time))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.Reverse())
        {
            await host.DisposeAsync();
        }
    }
}
