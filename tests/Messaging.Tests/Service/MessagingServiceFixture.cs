using Google.Protobuf;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.EventBus.Redis;
using Marketplace.Messaging.Store;
using Marketplace.Platform;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit;
using static Marketplace.Clients.PlatformClients;
using Order = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Messaging.Tests.Service;

[CollectionDefinition(Name)]
public sealed class MessagingServiceCollection : ICollectionFixture<MessagingServiceFixture>
{
    public const string Name = "messaging-service";
}

/// <summary>
/// A real redis-server and the Messaging service in-process on free ports (built as Program.cs
/// builds it), shared by the service tests (each test uses its own ids), with the generated typed
/// client. Order events reach the service through the real bus: published through the host's own
/// unit-of-work executor, relayed from the outbox to the stream, and consumed by the service's
/// handlers. The default 24 h unresponsive window keeps the loop from changing conversations
/// under these tests.
/// </summary>
public class MessagingServiceFixture : IAsyncLifetime
{
    public const string AppId = "messaging";

    private RedisServer? _redis;
    private ServiceHost? _host;

    public ServiceHost Host => _host!;

    /// <summary>The generated typed client of marketplace.messaging.v1.MessagingService, talking to this host.</summary>
    public MessagingService.MessagingServiceClient Client => Host.Client<MessagingService.MessagingServiceClient>();

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
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        _host = await ServiceHost.StartAsync(AppId, _redis.ConnectionString, b => b.AddMessaging(), a => a.MapGrpcService<Api.MessagingApi>(), settings);
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

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>StartConversation as <paramref name="bearer"/>.</summary>
    public Task<Conversation> StartAsync(string? bearer, StartConversationRequest request) =>
        Client.StartConversationAsync(request, Authorization(bearer)).ResponseAsync;

    /// <summary>SendMessage of <paramref name="text"/> as <paramref name="bearer"/>.</summary>
    public Task<SendMessageResponse> SendAsync(string? bearer, string conversationId, string requestId, string text, bool needsBuyerInput = false) =>
        Client.SendMessageAsync(new SendMessageRequest { ConversationId = conversationId, RequestId = requestId, Text = text, NeedsBuyerInput = needsBuyerInput }, Authorization(bearer)).ResponseAsync;

    /// <summary>GetConversation as <paramref name="bearer"/>.</summary>
    public Task<Conversation> GetAsync(string? bearer, string conversationId) =>
        Client.GetConversationAsync(new GetConversationRequest { ConversationId = conversationId }, Authorization(bearer)).ResponseAsync;

    /// <summary>Publishes an orders event through the bus and waits until Messaging holds a version at least as new.</summary>
    public async Task DeliverAsync(IMessage payload, Order order)
    {
        await PublishAsync(payload, order.OrderId);
        await Wait.UntilAsync(async () =>
        {
            var version = await Db.HashGetAsync(MessagingKeys.Order(order.OrderId), OrderPartiesFields.Version);
            return !version.IsNull && (long)version >= order.Version;
        }, $"Messaging has order {order.OrderId} v{order.Version}");
    }

    /// <summary>Publishes an event of any topic through the host's own outbox, as the service that owns it would.</summary>
    public async Task PublishAsync(IMessage payload, string subject)
    {
        var executor = Host.Services.GetRequiredService<UnitOfWorkExecutor>();
        await executor.ExecuteAsync(null, (work, _) =>
        {
            work.Publish(PlatformEvents.TypeOf(payload.Descriptor), subject, payload);
            return Task.CompletedTask;
        }, CancellationToken.None);
    }

    /// <summary>
    /// Publishes an event of any topic and waits until Messaging's consumer group has taken and
    /// acknowledged it: handled, or ignored when Messaging has no handler for its type.
    /// </summary>
    public async Task PublishAndSettleAsync(IMessage payload, string subject)
    {
        var executor = Host.Services.GetRequiredService<UnitOfWorkExecutor>();
        var outcome = await executor.ExecuteAsync(null, (work, _) =>
        {
            work.Publish(PlatformEvents.TypeOf(payload.Descriptor), subject, payload);
            return Task.CompletedTask;
        }, CancellationToken.None);
        var published = outcome.Events.Single();
        string? entryId = null;
        await Wait.UntilAsync(async () =>
        {
            entryId ??= (await TopicHistory.ReadAsync(Db, published.Topic)).Where(e => e.Event.Id == published.Id).Select(e => e.EntryId).FirstOrDefault();
            if (entryId is null)
            {
                return false;
            }

            var group = (await Db.StreamGroupInfoAsync(published.Topic)).FirstOrDefault(g => g.Name == AppId);
            if (group.Name is null || StreamIdLess((string)group.LastDeliveredId!, entryId))
            {
                return false;
            }

            var pending = await Db.StreamPendingMessagesAsync(published.Topic, AppId, 1, RedisValue.Null, entryId, entryId);
            return pending.Length == 0;
        }, $"Messaging took {published.Type} {published.Id}");
    }

    /// <summary>The CloudEvents on topic <c>messaging</c> with the given subject (a conversation or seller id), once the outbox is relayed.</summary>
    public async Task<IReadOnlyList<CloudEvent>> SettledEventsAsync(string subject)
    {
        await Wait.UntilAsync(async () => await Db.StreamLengthAsync(EventBus.Names.OutboxKey(AppId)) == 0, "the outbox is relayed");
        return await MessagingEventsAsync(subject);
    }

    private static bool StreamIdLess(string a, string b)
    {
        static (ulong, ulong) Parse(string id)
        {
            var parts = id.Split('-');
            return (ulong.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts.Length > 1 ? ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 0);
        }

        return Parse(a).CompareTo(Parse(b)) < 0;
    }

    /// <summary>The CloudEvents published on topic <c>messaging</c> about a conversation, in stream order.</summary>
    public async Task<IReadOnlyList<CloudEvent>> MessagingEventsAsync(string conversationId)
    {
        return (await TopicHistory.ReadAsync(Db, PlatformEvents.Topics.Messaging)).Select(e => e.Event).Where(e => e.Subject == conversationId).ToList();
    }

    /// <summary>Waits until at least <paramref name="count"/> events of the conversation reached the topic, and returns them.</summary>
    public async Task<IReadOnlyList<CloudEvent>> EventsAsync(string conversationId, int count)
    {
        await Wait.UntilAsync(async () => (await MessagingEventsAsync(conversationId)).Count >= count, $"{count} events of {conversationId}");
        return await MessagingEventsAsync(conversationId);
    }

    /// <summary>
    /// Everything a refused command must leave unchanged: the order's hash, the conversation and
    /// its messages, and the number of messaging events (once the outbox is relayed).
    /// </summary>
    public async Task<string> StateAsync(string orderId, string conversationId)
    {
        await Wait.UntilAsync(async () => await Db.StreamLengthAsync(EventBus.Names.OutboxKey(AppId)) == 0, "the outbox is relayed");
        var parts = new List<string>();
        foreach (var key in new[] { MessagingKeys.Order(orderId), MessagingKeys.Conversation(conversationId), MessagingKeys.Messages(conversationId) })
        {
            var entries = await Db.HashGetAllAsync(key);
            parts.Add(string.Join(";", entries.OrderBy(e => (string)e.Name!, StringComparer.Ordinal).Select(e => $"{e.Name}={Convert.ToBase64String((byte[])e.Value!)}")));
        }

        parts.Add("events=" + await Db.StreamLengthAsync(PlatformEvents.Topics.Messaging));
        return string.Join("|", parts);
    }
}
