using Google.Protobuf;
using Grpc.Core;
using Marketplace.Contracts.Reviews.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Hosting.Identity;
using Marketplace.Platform;
using Marketplace.Reviews.Api;
using Marketplace.Reviews.Store;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Reviews.Tests.Service;

[CollectionDefinition(Name)]
public sealed class ReviewsServiceCollection : ICollectionFixture<ReviewsServiceFixture>
{
    public const string Name = "reviews-service";
}

/// <summary>
/// A real redis-server and the Reviews service in-process on free ports (built as Program.cs
/// builds it), with the generated typed client, shared by the service tests (each test uses its
/// own order and Gig ids). Order events reach the service through the real bus: published through
/// the host's own unit-of-work executor on topic <c>orders</c>, relayed from the outbox to the
/// stream, and consumed by the service's handlers.
/// </summary>
public class ReviewsServiceFixture : IAsyncLifetime
{
    public const string AppId = "reviews";

    /// <summary>The category configured with a 30-day buyer window.</summary>
    public const string LongWindowCategory = "video-editing";

    private RedisServer? _redis;
    private ServiceHost? _host;

    public ServiceHost Host => _host!;

    /// <summary>The generated typed client of marketplace.reviews.v1.ReviewsService, talking to this host.</summary>
    public ReviewsService.ReviewsServiceClient Client => Host.Client<ReviewsService.ReviewsServiceClient>();

    public IDatabase Db => _redis!.Admin.GetDatabase();

    /// <summary>Call metadata with a valid token of <paramref name="subject"/> holding <paramref name="roles"/>.</summary>
    public static Metadata As(string subject, params CallerRole[] roles) => Authorization(TestIdentity.Bearer(subject, roles));

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            // Short waits so the tests' polling sees events quickly; they never decide a pass or a fail.
            ["EventBus:ReadTimeoutMs"] = "200",
            ["EventBus:RedeliverIntervalMs"] = "500",
            ["EventBus:ProcessingTimeoutMs"] = "2000",
            [$"{ReviewsOptions.Section}:{nameof(ReviewsOptions.SweepIntervalMs)}"] = "100",
            // A category with a buyer window of its own (SPEC 4: 30 days in categories so configured).
            [$"{ReviewsOptions.Section}:{nameof(ReviewsOptions.CategoryReviewWindowDays)}:{LongWindowCategory}"] = "30",
        };
        _host = await ServiceHost.StartAsync(AppId, _redis.ConnectionString, b =>
        {
            b.AddReviews();
            Configure(b);
        }, a => a.MapGrpcService<ReviewsApi>(), settings);
    }

    public async Task DisposeAsync()
    {
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
            var version = await Db.HashGetAsync(ReviewKeys.Order(order.OrderId), OrderFactsFields.Version);
            return !version.IsNull && (long)version >= order.Version;
        }, $"Reviews has order {order.OrderId} v{order.Version}");
    }

    public async Task<CloudEvent> PublishAsync(IMessage payload, string subject)
    {
        var executor = Host.Services.GetRequiredService<UnitOfWorkExecutor>();
        CloudEvent? published = null;
        await executor.ExecuteAsync(null, (work, _) =>
        {
            published = work.Publish(PlatformEvents.TypeOf(payload.Descriptor), subject, payload);
            return Task.CompletedTask;
        }, CancellationToken.None);
        return published!;
    }

    /// <summary>
    /// Publishes an event through the bus and waits until Reviews has handled it (its "done" marker
    /// is committed with the handler's effect), for events whose effect may be nothing at all
    /// (a duplicate, an older snapshot).
    /// </summary>
    public async Task HandledAsync(IMessage payload, string subject)
    {
        var published = await PublishAsync(payload, subject);
        var marker = EventBus.Names.DoneKey(AppId, EventBus.Names.EventOperation(published.Source, published.Id));
        await Wait.UntilAsync(async () => await Db.KeyExistsAsync(marker), $"Reviews handled {published.Type} {published.Id}");
    }

    /// <summary>The CloudEvents published on topic <c>reviews</c> about an order, in stream order.</summary>
    public async Task<IReadOnlyList<CloudEvent>> ReviewEventsAsync(string orderId)
    {
        return (await TopicHistory.ReadAsync(Db, PlatformEvents.Topics.Reviews)).Select(e => e.Event).Where(e => e.Subject == orderId).ToList();
    }

    /// <summary>Everything a refused command must leave unchanged: the review record, the Gig index, and the number of review events (once the outbox is relayed).</summary>
    public async Task<string> StateAsync(string orderId, string gigId)
    {
        await RelayedAsync();
        var record = await Db.HashGetAllAsync(ReviewKeys.Review(orderId));
        var index = await Db.SortedSetRangeByRankWithScoresAsync(ReviewKeys.GigPublished(gigId));
        var events = await LengthAsync(PlatformEvents.Topics.Reviews);
        return string.Join(";", record.OrderBy(e => (string)e.Name!, StringComparer.Ordinal).Select(e => $"{e.Name}={e.Value}"))
            + "|" + string.Join(",", index.Select(e => $"{e.Element}:{e.Score}"))
            + "|events=" + events;
    }

    /// <summary>Waits until every event committed so far has left the outbox for its topic stream.</summary>
    public Task RelayedAsync() =>
        Wait.UntilAsync(async () => await LengthAsync(EventBus.Names.OutboxKey(AppId)) == 0, "the outbox is relayed");

    private async Task<long> LengthAsync(string stream) => (long)await Db.ExecuteAsync("XLEN", stream);
}
