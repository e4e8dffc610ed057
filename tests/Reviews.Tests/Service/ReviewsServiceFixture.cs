using Google.Protobuf;
using Marketplace.Contracts.Orders.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Grpc;
using Marketplace.Platform;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Order = Marketplace.Contracts.Orders.V1.Order;
using Xunit;

namespace Marketplace.Reviews.Tests.Service;

[CollectionDefinition(Name)]
public sealed class ReviewsServiceCollection : ICollectionFixture<ReviewsServiceFixture>
{
    public const string Name = "reviews-service";
}

/// <summary>
/// A real redis-server and the Reviews service in-process on free ports, shared by the service
/// tests (each test uses its own order and Gig ids). Order events reach the service through the
/// real bus: published through the host's own unit-of-work executor on topic <c>orders</c>,
/// relayed from the outbox to the stream, and consumed by the service's handlers.
/// </summary>
public class ReviewsServiceFixture : IAsyncLifetime
{
    private RedisServer? _redis;
    private ServiceHost? _host;
    private GrpcChannel? _channel;

    public ServiceHost Host => _host!;

    public GrpcChannel Channel => _channel!;

    public IDatabase Db => _redis!.Admin.GetDatabase();

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            // Short waits so the tests' polling sees events quickly; they never decide a pass or a fail.
            ["EventBus:ReadTimeoutMs"] = "200",
            ["EventBus:RedeliverIntervalMs"] = "500",
            ["EventBus:ProcessingTimeoutMs"] = "2000",
            ["Reviews:SweepIntervalMs"] = "100",
        };
        _host = await ServiceHost.StartAsync("reviews", _redis.ConnectionString, b =>
        {
            b.AddReviews();
            Configure(b);
        }, a => a.MapReviews(), settings);
        _channel = GrpcChannel.ForAddress(_host.GrpcAddress);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    /// <summary>Changes to the service's registrations after <c>AddReviews</c> (e.g. its clock).</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    /// <summary>Publishes an orders event through the bus and waits until Reviews holds a version at least as new.</summary>
    public async Task DeliverAsync(IMessage payload, Order order)
    {
        await PublishAsync(payload, order.OrderId);
        await Wait.UntilAsync(async () =>
        {
            var version = await Db.HashGetAsync($"reviews:{{{order.OrderId}}}:order", "version");
            return !version.IsNull && (long)version >= order.Version;
        }, $"Reviews has order {order.OrderId} v{order.Version}");
    }

    public async Task PublishAsync(IMessage payload, string subject)
    {
        var executor = Host.Services.GetRequiredService<UnitOfWorkExecutor>();
        await executor.ExecuteAsync(null, (work, _) =>
        {
            work.Publish(PlatformEvents.TypeOf(payload.Descriptor), subject, payload);
            return Task.CompletedTask;
        }, CancellationToken.None);
    }

    /// <summary>The CloudEvents published on topic <c>reviews</c> about an order, in stream order.</summary>
    public async Task<IReadOnlyList<CloudEvent>> ReviewEventsAsync(string orderId)
    {
        return (await TopicHistory.ReadAsync(Db, PlatformEvents.Topics.Reviews)).Select(e => e.Event).Where(e => e.Subject == orderId).ToList();
    }

    /// <summary>Everything a refused command must leave unchanged: the review record, the Gig index, and the number of review events (once the outbox is relayed).</summary>
    public async Task<string> StateAsync(string orderId, string gigId)
    {
        await Wait.UntilAsync(async () => await LengthAsync("reviews:outbox") == 0, "the outbox is relayed");
        var record = await Db.HashGetAllAsync($"reviews:{{{orderId}}}:review");
        var index = await Db.SortedSetRangeByRankWithScoresAsync($"reviews:gig:{{{gigId}}}:published");
        var events = await LengthAsync(PlatformEvents.Topics.Reviews);
        return string.Join(";", record.OrderBy(e => (string)e.Name!, StringComparer.Ordinal).Select(e => $"{e.Name}={e.Value}"))
            + "|" + string.Join(",", index.Select(e => $"{e.Element}:{e.Score}"))
            + "|events=" + events;
    }

    private async Task<long> LengthAsync(string stream) => (long)await Db.ExecuteAsync("XLEN", stream);
}
