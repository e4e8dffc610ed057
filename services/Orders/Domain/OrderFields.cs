using System.Collections.Immutable;
using System.Globalization;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Orders.Domain;

/// <summary>
/// Flat string map of an <see cref="Order"/>, for a Redis hash: one field per fact, absent
/// fields for unset optional facts, invariant formats (times as round-trip ISO 8601 UTC,
/// durations as ticks, enums as their numbers). <see cref="FromFields"/> inverts
/// <see cref="ToFields"/> exactly and names the field when stored data is corrupt.
/// </summary>
public static class OrderFields
{
    public static IReadOnlyDictionary<string, string> ToFields(Order order)
    {
        var fields = new Dictionary<string, string>
        {
            ["order_id"] = order.OrderId,
            ["version"] = Long(order.Version),
            ["state"] = Int((int)order.State),
            ["gig_id"] = order.GigId,
            ["seller_id"] = order.SellerId,
            ["buyer_id"] = order.BuyerId,
            ["category"] = order.Category,
            ["currency_code"] = order.Amount.CurrencyCode,
            ["amount_minor"] = Long(order.Amount.AmountMinor),
            ["revisions_included"] = Int(order.RevisionsIncluded),
            ["created_at"] = Time(order.CreatedAt),
            ["original_due_at"] = Time(order.OriginalDueAt),
            ["due_at"] = Time(order.DueAt),
            ["updated_at"] = Time(order.UpdatedAt),
            ["delivery_count"] = Int(order.DeliveryCount),
            ["revision_count"] = Int(order.RevisionCount),
            ["revisions_beyond_included"] = Int(order.RevisionsBeyondIncluded),
            ["revisions_declined"] = Int(order.RevisionsDeclined),
            ["extension_count"] = Int(order.ExtensionCount),
            ["refunded_minor"] = Long(order.RefundedMinor),
            ["auto_completed"] = Bool(order.AutoCompleted),
            ["dispute_count"] = Int(order.DisputeCount),
            ["support_contact_count"] = Int(order.SupportContactCount),
            ["resolution_count"] = Int(order.Resolutions.Count),
        };
        PutTime(fields, "requirements_submitted_at", order.RequirementsSubmittedAt);
        PutTime(fields, "started_at", order.StartedAt);
        PutTime(fields, "first_delivered_at", order.FirstDeliveredAt);
        PutTime(fields, "last_delivered_at", order.LastDeliveredAt);
        PutTime(fields, "auto_complete_at", order.AutoCompleteAt);
        PutTime(fields, "completed_at", order.CompletedAt);
        if (order.Cancellation is { } c)
        {
            fields["cancellation.initiator"] = Int((int)c.Initiator);
            fields["cancellation.reason"] = Int((int)c.Reason);
            fields["cancellation.buyer_unresponsive"] = Bool(c.BuyerUnresponsive);
            fields["cancellation.requested_by"] = Int((int)c.RequestedBy);
            fields["cancellation.cancelled_at"] = Time(c.CancelledAt);
            fields["cancellation.note"] = c.Note;
        }

        for (var i = 0; i < order.Resolutions.Count; i++)
        {
            var r = order.Resolutions[i];
            var prefix = $"resolution.{i}.";
            fields[prefix + "id"] = r.ResolutionId;
            fields[prefix + "kind"] = Int((int)r.Kind);
            fields[prefix + "status"] = Int((int)r.Status);
            fields[prefix + "requested_by"] = Int((int)r.RequestedBy);
            fields[prefix + "opened_at"] = Time(r.OpenedAt);
            fields[prefix + "cancellation_reason"] = Int((int)r.CancellationReason);
            fields[prefix + "message"] = r.Message;
            if (r.ExtendBy is { } extendBy)
            {
                fields[prefix + "extend_by_ticks"] = Long(extendBy.Ticks);
            }

            if (r.Refund is { } refund)
            {
                fields[prefix + "refund_currency_code"] = refund.CurrencyCode;
                fields[prefix + "refund_minor"] = Long(refund.AmountMinor);
            }

            PutTime(fields, prefix + "answered_at", r.AnsweredAt);
            PutTime(fields, prefix + "auto_accept_at", r.AutoAcceptAt);
        }

        return fields;
    }

    /// <summary>Rebuilds the order; throws <see cref="FormatException"/> naming a missing or bad field.</summary>
    public static Order FromFields(IReadOnlyDictionary<string, string> fields)
    {
        var f = new Reader(fields);
        var resolutions = ImmutableList.CreateBuilder<Resolution>();
        for (var i = 0; i < f.Int("resolution_count"); i++)
        {
            var prefix = $"resolution.{i}.";
            resolutions.Add(new Resolution
            {
                ResolutionId = f.String(prefix + "id"),
                Kind = (ResolutionKind)f.Int(prefix + "kind"),
                Status = (ResolutionStatus)f.Int(prefix + "status"),
                RequestedBy = (PartyRole)f.Int(prefix + "requested_by"),
                OpenedAt = f.Time(prefix + "opened_at"),
                CancellationReason = (CancellationReason)f.Int(prefix + "cancellation_reason"),
                Message = f.String(prefix + "message"),
                ExtendBy = f.Has(prefix + "extend_by_ticks") ? TimeSpan.FromTicks(f.Long(prefix + "extend_by_ticks")) : null,
                Refund = f.Has(prefix + "refund_minor")
                    ? new Money(f.String(prefix + "refund_currency_code"), f.Long(prefix + "refund_minor"))
                    : null,
                AnsweredAt = f.OptionalTime(prefix + "answered_at"),
                AutoAcceptAt = f.OptionalTime(prefix + "auto_accept_at"),
            });
        }

        return new Order
        {
            OrderId = f.String("order_id"),
            Version = f.Long("version"),
            State = (OrderState)f.Int("state"),
            GigId = f.String("gig_id"),
            SellerId = f.String("seller_id"),
            BuyerId = f.String("buyer_id"),
            Category = f.String("category"),
            Amount = new Money(f.String("currency_code"), f.Long("amount_minor")),
            RevisionsIncluded = f.Int("revisions_included"),
            CreatedAt = f.Time("created_at"),
            OriginalDueAt = f.Time("original_due_at"),
            DueAt = f.Time("due_at"),
            UpdatedAt = f.Time("updated_at"),
            RequirementsSubmittedAt = f.OptionalTime("requirements_submitted_at"),
            StartedAt = f.OptionalTime("started_at"),
            FirstDeliveredAt = f.OptionalTime("first_delivered_at"),
            LastDeliveredAt = f.OptionalTime("last_delivered_at"),
            DeliveryCount = f.Int("delivery_count"),
            RevisionCount = f.Int("revision_count"),
            RevisionsBeyondIncluded = f.Int("revisions_beyond_included"),
            RevisionsDeclined = f.Int("revisions_declined"),
            ExtensionCount = f.Int("extension_count"),
            RefundedMinor = f.Long("refunded_minor"),
            AutoCompleteAt = f.OptionalTime("auto_complete_at"),
            CompletedAt = f.OptionalTime("completed_at"),
            AutoCompleted = f.Bool("auto_completed"),
            DisputeCount = f.Int("dispute_count"),
            SupportContactCount = f.Int("support_contact_count"),
            Cancellation = f.Has("cancellation.initiator")
                ? new OrderCancellation(
                    (CancellationInitiator)f.Int("cancellation.initiator"),
                    (CancellationReason)f.Int("cancellation.reason"),
                    f.Bool("cancellation.buyer_unresponsive"),
                    (PartyRole)f.Int("cancellation.requested_by"),
                    f.Time("cancellation.cancelled_at"),
                    f.String("cancellation.note"))
                : null,
            Resolutions = resolutions.ToImmutable(),
        };
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Long(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Bool(bool value) => value ? "1" : "0";

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
        public bool Has(string name) => fields.ContainsKey(name);

        public string String(string name) =>
            fields.TryGetValue(name, out var value) ? value : throw new FormatException($"order field '{name}' is missing");

        public int Int(string name) =>
            int.TryParse(String(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Bad(name);

        public long Long(string name) =>
            long.TryParse(String(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Bad(name);

        public bool Bool(string name) => String(name) switch
        {
            "1" => true,
            "0" => false,
            _ => throw Bad(name),
        };

        public DateTimeOffset Time(string name) =>
            DateTimeOffset.TryParseExact(String(name), "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value)
                ? value
                : throw Bad(name);

        public DateTimeOffset? OptionalTime(string name) => Has(name) ? Time(name) : null;

        private FormatException Bad(string name) => new($"order field '{name}' has a bad value '{fields[name]}'");
    }
}
