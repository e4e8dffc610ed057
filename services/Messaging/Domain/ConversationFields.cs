using System.Globalization;
using Marketplace.Contracts.Common.V1;

namespace Marketplace.Messaging.Domain;

/// <summary>
/// Flat string map of a <see cref="Conversation"/>, for a Redis hash: one field per fact,
/// absent fields for unset times, invariant formats (times as round-trip ISO 8601 UTC,
/// durations as ticks, enums as numbers, booleans as 1/0). <see cref="FromFields"/> inverts
/// <see cref="ToFields"/> exactly and names the field when stored data is corrupt.
/// </summary>
public static class ConversationFields
{
    public static IReadOnlyDictionary<string, string> ToFields(Conversation c)
    {
        var f = new Dictionary<string, string>
        {
            ["conversation_id"] = c.ConversationId,
            ["version"] = Num(c.Version),
            ["buyer_id"] = c.BuyerId,
            ["seller_id"] = c.SellerId,
            ["order_id"] = c.OrderId,
            ["opened_by"] = Num((int)c.OpenedBy),
            ["started_at"] = Time(c.StartedAt),
            ["last_message_at"] = Time(c.LastMessageAt),
            ["message_count"] = Num(c.MessageCount),
            ["awaiting_reply_from"] = Num((int)c.AwaitingReplyFrom),
            ["current_wait_marked"] = c.CurrentWaitMarked ? "1" : "0",
            ["seller_reply_count"] = Num(c.SellerReplyCount),
            ["total_seller_response_ticks"] = Num(c.TotalSellerResponseTime.Ticks),
            ["max_seller_response_ticks"] = Num(c.MaxSellerResponseTime.Ticks),
            ["seller_unresponsive_count"] = Num(c.SellerUnresponsiveCount),
            ["buyer_unresponsive_count"] = Num(c.BuyerUnresponsiveCount),
        };
        PutTime(f, "awaiting_since", c.AwaitingSince);
        PutTime(f, "first_seller_reply_at", c.FirstSellerReplyAt);
        PutTime(f, "review_requested_at", c.ReviewRequestedAt);
        return f;
    }

    /// <summary>Rebuilds the conversation; throws <see cref="FormatException"/> naming a missing or bad field.</summary>
    public static Conversation FromFields(IReadOnlyDictionary<string, string> fields)
    {
        var f = new Reader(fields);
        return new Conversation
        {
            ConversationId = f.String("conversation_id"),
            Version = f.Long("version"),
            BuyerId = f.String("buyer_id"),
            SellerId = f.String("seller_id"),
            OrderId = f.String("order_id"),
            OpenedBy = (PartyRole)f.Long("opened_by"),
            StartedAt = f.Time("started_at"),
            LastMessageAt = f.Time("last_message_at"),
            MessageCount = (int)f.Long("message_count"),
            AwaitingReplyFrom = (PartyRole)f.Long("awaiting_reply_from"),
            AwaitingSince = f.OptionalTime("awaiting_since"),
            CurrentWaitMarked = f.Long("current_wait_marked") == 1,
            SellerReplyCount = (int)f.Long("seller_reply_count"),
            TotalSellerResponseTime = TimeSpan.FromTicks(f.Long("total_seller_response_ticks")),
            MaxSellerResponseTime = TimeSpan.FromTicks(f.Long("max_seller_response_ticks")),
            FirstSellerReplyAt = f.OptionalTime("first_seller_reply_at"),
            SellerUnresponsiveCount = (int)f.Long("seller_unresponsive_count"),
            BuyerUnresponsiveCount = (int)f.Long("buyer_unresponsive_count"),
            ReviewRequestedAt = f.OptionalTime("review_requested_at"),
        };
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static void PutTime(Dictionary<string, string> fields, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            fields[name] = Time(v);
        }
    }

    private sealed class Reader(IReadOnlyDictionary<string, string> fields)
    {
        public string String(string name) =>
            fields.TryGetValue(name, out var value) ? value : throw new FormatException($"conversation field '{name}' is missing");

        public long Long(string name) =>
            long.TryParse(String(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Bad(name);

        public DateTimeOffset Time(string name) =>
            DateTimeOffset.TryParseExact(String(name), "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value)
                ? value
                : throw Bad(name);

        public DateTimeOffset? OptionalTime(string name) => fields.ContainsKey(name) ? Time(name) : null;

        private FormatException Bad(string name) => new($"conversation field '{name}' has a bad value '{fields[name]}'");
    }
}
