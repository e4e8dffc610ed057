using Google.Protobuf;
using Marketplace.Contracts.Messaging.V1;
using Marketplace.EventBus;
using Marketplace.Hosting;
using Marketplace.Platform;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Conversation = Marketplace.Messaging.Domain.Conversation;

namespace Marketplace.Messaging.Store;

/// <summary>
/// Reads and writes the Messaging state in Redis: inside a <see cref="UnitOfWork"/> for commands
/// (every read becomes a commit condition; writes and events commit together), and directly for
/// queries. Keeps the seller index and the unresponsive-wait schedule in step with each conversation.
/// </summary>
public sealed class ConversationStore(RedisConnection redis, IOptions<MessagingOptions> options)
{
    public static async Task<Conversation?> ReadAsync(UnitOfWork work, string conversationId)
    {
        var fields = await work.ReadHashAsync(MessagingKeys.Conversation(conversationId));
        return fields.Count == 0 ? null : ConversationFields.FromFields(Strings(fields));
    }

    public static async Task<OrderParties?> ReadOrderAsync(UnitOfWork work, string orderId) =>
        OrderPartiesFields.ToOrder(Strings(await work.ReadHashAsync(MessagingKeys.Order(orderId))));

    /// <summary>
    /// Stages the conversation, the messages its events carry (stored under their sequence
    /// numbers), its events (subject: the conversation id), and its wait in the schedule.
    /// </summary>
    public void Write(UnitOfWork work, Conversation conversation, IReadOnlyList<IMessage> events)
    {
        var id = conversation.ConversationId;
        work.HashSet(MessagingKeys.Conversation(id), ConversationFields.ToFields(conversation).Entries);
        foreach (var field in ConversationFields.Cleared(conversation))
        {
            work.HashDelete(MessagingKeys.Conversation(id), field);
        }

        work.SortedSetAdd(MessagingKeys.SellerConversations(conversation.SellerId), id, conversation.StartedAt.ToUnixTimeMilliseconds());
        foreach (var payload in events)
        {
            if (MessageOf(payload) is { } message)
            {
                work.HashSet(MessagingKeys.Messages(id), SequenceOf(message), message.ToByteArray());
            }

            work.Publish(PlatformEvents.TypeOf(payload.Descriptor), id, payload);
        }

        // Scored at the first whole millisecond at or after the wait becomes unresponsive.
        if (conversation.UnresponsiveDueAt(options.Value.Policy) is { } due)
        {
            work.SortedSetAdd(MessagingKeys.Waits, id, CeilingMs(due));
        }
        else
        {
            work.SortedSetRemove(MessagingKeys.Waits, id);
        }
    }

    /// <summary>Unix milliseconds, rounded up: a schedule entry is never due before its time.</summary>
    public static long CeilingMs(DateTimeOffset at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(ms) < at ? ms + 1 : ms;
    }

    /// <summary>The message id of the n-th message of a conversation: its sequence number is the part after the last '-'.</summary>
    public static string MessageId(string conversationId, int sequence) => $"{conversationId}-{sequence}";

    public async Task<Conversation?> GetAsync(string conversationId)
    {
        var entries = await redis.Database.HashGetAllAsync(MessagingKeys.Conversation(conversationId));
        return entries.Length == 0 ? null : ConversationFields.FromFields(Strings(entries));
    }

    /// <summary>Conversations of a seller started in [from, to].</summary>
    public async Task<IReadOnlyList<Conversation>> GetSellerConversationsAsync(string sellerId, DateTimeOffset from, DateTimeOffset to)
    {
        var ids = await redis.Database.SortedSetRangeByScoreAsync(
            MessagingKeys.SellerConversations(sellerId), from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        var conversations = new List<Conversation>(ids.Length);
        foreach (var id in ids)
        {
            if (await GetAsync((string)id!) is { } conversation)
            {
                conversations.Add(conversation);
            }
        }

        return conversations;
    }

    /// <summary>Messages with sequence numbers [first, first + count), oldest first; missing ones are skipped.</summary>
    public async Task<IReadOnlyList<ChatMessage>> GetMessagesAsync(string conversationId, int first, int count)
    {
        var fields = Enumerable.Range(first, count).Select(n => (RedisValue)n).ToArray();
        var values = await redis.Database.HashGetAsync(MessagingKeys.Messages(conversationId), fields);
        return values.Where(v => !v.IsNull).Select(v => ChatMessage.Parser.ParseFrom((byte[])v!)).ToList();
    }

    /// <summary>Order conversations whose wait is due at <paramref name="now"/>, at most <paramref name="limit"/>.</summary>
    /// <summary>When the earliest wait after <paramref name="after"/> becomes unresponsive (the simulated clock's next stop), or null.</summary>
    public Task<DateTimeOffset?> NextWaitAfterAsync(DateTimeOffset after) => redis.Database.NextDueAfterAsync(MessagingKeys.Waits, after);

    public async Task<IReadOnlyList<string>> GetDueWaitsAsync(DateTimeOffset now, int limit)
    {
        var ids = await redis.Database.SortedSetRangeByScoreAsync(MessagingKeys.Waits, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit);
        return ids.Select(id => (string)id!).ToList();
    }

    /// <summary>Takes a wait that keeps failing out of the schedule and records when and why, in one transaction.</summary>
    public async Task ParkWaitAsync(string conversationId, string error, DateTimeOffset now)
    {
        var transaction = redis.Database.CreateTransaction();
        _ = transaction.SortedSetRemoveAsync(MessagingKeys.Waits, conversationId);
        _ = transaction.HashSetAsync(MessagingKeys.ParkedWaits, conversationId, $"{now.ToUniversalTime():O}: {error}");
        await transaction.ExecuteAsync();
    }

    /// <summary>The message a command's event carries, if any: the first message, a message, a review request.</summary>
    public static ChatMessage? MessageOf(IMessage payload) => payload switch
    {
        ConversationStarted started => started.FirstMessage,
        MessageSent sent => sent.Message,
        ReviewRequested requested => requested.Message,
        _ => null,
    };

    private static string SequenceOf(ChatMessage message) => message.MessageId[(message.MessageId.LastIndexOf('-') + 1)..];

    private static Dictionary<string, string> Strings(IEnumerable<KeyValuePair<string, RedisValue>> entries) =>
        entries.ToDictionary(e => e.Key, e => (string)e.Value!, StringComparer.Ordinal);

    private static Dictionary<string, string> Strings(HashEntry[] entries) =>
        entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
}
