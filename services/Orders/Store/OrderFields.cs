using System.Collections.Immutable;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Hosting;
using Marketplace.Orders.Domain;
using Money = Marketplace.Orders.Domain.Money;
using Order = Marketplace.Orders.Domain.Order;

namespace Marketplace.Orders.Store;

/// <summary>
/// The hash layout of an <see cref="Order"/> (key <see cref="OrderKeys.Order"/>): one field per
/// fact in the platform's hash formats (<see cref="HashWriter"/>), absent fields for unset
/// optional facts. <see cref="FromFields"/> inverts <see cref="ToFields"/> exactly and names the
/// field when stored data is corrupt.
/// </summary>
public static class OrderFields
{
    /// <summary>The field of <see cref="Order.StoreRevision"/>; a hash written before it existed reads as revision 0.</summary>
    public const string RevisionField = "rev";

    public static HashWriter ToFields(Order order)
    {
        var f = new HashWriter()
            .Set("order_id", order.OrderId)
            .Set(RevisionField, order.StoreRevision)
            .Set("version", order.Version)
            .SetEnum("state", order.State)
            .Set("gig_id", order.GigId)
            .Set("seller_id", order.SellerId)
            .Set("buyer_id", order.BuyerId)
            .Set("category", order.Category)
            .Set("currency_code", order.Amount.CurrencyCode)
            .Set("amount_minor", order.Amount.AmountMinor)
            .Set("revisions_included", order.RevisionsIncluded)
            .Set("created_at", order.CreatedAt)
            .Set("original_due_at", order.OriginalDueAt)
            .Set("due_at", order.DueAt)
            .Set("updated_at", order.UpdatedAt)
            .Set("delivery_count", order.DeliveryCount)
            .Set("revision_count", order.RevisionCount)
            .Set("revisions_beyond_included", order.RevisionsBeyondIncluded)
            .Set("revisions_declined", order.RevisionsDeclined)
            .Set("extension_count", order.ExtensionCount)
            .Set("refunded_minor", order.RefundedMinor)
            .Set("auto_completed", order.AutoCompleted)
            .Set("dispute_count", order.DisputeCount)
            .Set("support_contact_count", order.SupportContactCount)
            .Set("resolution_count", order.Resolutions.Count)
            .Set("buyer_has_seller_account", order.BuyerHasSellerAccount)
            .Set("buyer_unresponsive.count", order.BuyerUnresponsiveMarksByConversation.Count)
            .SetOptional("requirements_submitted_at", order.RequirementsSubmittedAt)
            .SetOptional("started_at", order.StartedAt)
            .SetOptional("first_delivered_at", order.FirstDeliveredAt)
            .SetOptional("last_delivered_at", order.LastDeliveredAt)
            .SetOptional("auto_complete_at", order.AutoCompleteAt)
            .SetOptional("completed_at", order.CompletedAt);
        if (order.Cancellation is { } c)
        {
            f.SetEnum("cancellation.initiator", c.Initiator)
                .SetEnum("cancellation.reason", c.Reason)
                .Set("cancellation.buyer_unresponsive", c.BuyerUnresponsive)
                .SetEnum("cancellation.requested_by", c.RequestedBy)
                .Set("cancellation.cancelled_at", c.CancelledAt)
                .Set("cancellation.note", c.Note);
        }

        for (var i = 0; i < order.Resolutions.Count; i++)
        {
            var r = order.Resolutions[i];
            var prefix = $"resolution.{i}.";
            f.Set(prefix + "id", r.ResolutionId)
                .SetEnum(prefix + "kind", r.Kind)
                .SetEnum(prefix + "status", r.Status)
                .SetEnum(prefix + "requested_by", r.RequestedBy)
                .Set(prefix + "opened_at", r.OpenedAt)
                .SetEnum(prefix + "cancellation_reason", r.CancellationReason)
                .Set(prefix + "message", r.Message)
                .SetOptional(prefix + "extend_by_ticks", r.ExtendBy)
                .SetOptional(prefix + "answered_at", r.AnsweredAt)
                .SetOptional(prefix + "auto_accept_at", r.AutoAcceptAt);
            if (r.Refund is { } refund)
            {
                f.Set(prefix + "refund_currency_code", refund.CurrencyCode).Set(prefix + "refund_minor", refund.AmountMinor);
            }
        }

        var conversation = 0;
        foreach (var (conversationId, marks) in order.BuyerUnresponsiveMarksByConversation)
        {
            f.Set($"buyer_unresponsive.{conversation}.conversation", conversationId)
                .Set($"buyer_unresponsive.{conversation}.marks", marks);
            conversation++;
        }

        if (order.BuyerWaitsByConversation.Count > 0)
        {
            f.Set("buyer_wait.count", order.BuyerWaitsByConversation.Count);
            var wait = 0;
            foreach (var (conversationId, versions) in order.BuyerWaitsByConversation)
            {
                f.Set($"buyer_wait.{wait}.conversation", conversationId)
                    .Set($"buyer_wait.{wait}.marked_version", versions.MarkedVersion)
                    .Set($"buyer_wait.{wait}.answered_version", versions.AnsweredVersion);
                wait++;
            }
        }

        return f;
    }

    /// <summary>Rebuilds the order; throws <see cref="FormatException"/> naming a missing or bad field.</summary>
    public static Order FromFields(IReadOnlyDictionary<string, string> fields)
    {
        var f = new HashReader("order", fields);
        var resolutions = ImmutableList.CreateBuilder<Resolution>();
        for (var i = 0; i < f.Int("resolution_count"); i++)
        {
            var prefix = $"resolution.{i}.";
            resolutions.Add(new Resolution
            {
                ResolutionId = f.String(prefix + "id"),
                Kind = f.Enum<ResolutionKind>(prefix + "kind"),
                Status = f.Enum<ResolutionStatus>(prefix + "status"),
                RequestedBy = f.Enum<PartyRole>(prefix + "requested_by"),
                OpenedAt = f.Time(prefix + "opened_at"),
                CancellationReason = f.Enum<CancellationReason>(prefix + "cancellation_reason"),
                Message = f.String(prefix + "message"),
                ExtendBy = f.OptionalDuration(prefix + "extend_by_ticks"),
                Refund = f.Has(prefix + "refund_minor")
                    ? new Money(f.String(prefix + "refund_currency_code"), f.Long(prefix + "refund_minor"))
                    : null,
                AnsweredAt = f.OptionalTime(prefix + "answered_at"),
                AutoAcceptAt = f.OptionalTime(prefix + "auto_accept_at"),
            });
        }

        // Hashes written before issue 12 lack the two facts: no seller account recorded, no marks.
        var marks = ImmutableSortedDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (f.Has("buyer_unresponsive.count") ? f.Int("buyer_unresponsive.count") : 0); i++)
        {
            marks[f.String($"buyer_unresponsive.{i}.conversation")] = f.Int($"buyer_unresponsive.{i}.marks");
        }

        // Hashes written before the buyer's answers were followed have none: their marks count as open.
        var waits = ImmutableSortedDictionary.CreateBuilder<string, MarkedWait>(StringComparer.Ordinal);
        for (var i = 0; i < (f.Has("buyer_wait.count") ? f.Int("buyer_wait.count") : 0); i++)
        {
            waits[f.String($"buyer_wait.{i}.conversation")] =
                new MarkedWait(f.Long($"buyer_wait.{i}.marked_version"), f.Long($"buyer_wait.{i}.answered_version"));
        }

        return new Order
        {
            OrderId = f.String("order_id"),
            StoreRevision = f.Has(RevisionField) ? f.Long(RevisionField) : 0,
            Version = f.Long("version"),
            State = f.Enum<OrderState>("state"),
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
                    f.Enum<CancellationInitiator>("cancellation.initiator"),
                    f.Enum<CancellationReason>("cancellation.reason"),
                    f.Bool("cancellation.buyer_unresponsive"),
                    f.Enum<PartyRole>("cancellation.requested_by"),
                    f.Time("cancellation.cancelled_at"),
                    f.String("cancellation.note"))
                : null,
            Resolutions = resolutions.ToImmutable(),
            BuyerHasSellerAccount = f.Has("buyer_has_seller_account") && f.Bool("buyer_has_seller_account"),
            BuyerUnresponsiveMarksByConversation = marks.ToImmutable(),
            BuyerWaitsByConversation = waits.ToImmutable(),
        };
    }
}
