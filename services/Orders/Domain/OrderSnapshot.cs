using Google.Protobuf.WellKnownTypes;
using Marketplace.Contracts.Orders.V1;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Orders.Domain;

/// <summary>
/// Maps the aggregate to the protobuf <c>Order</c> carried by every order event and returned
/// by the API, so both show exactly the same facts.
/// </summary>
public static class OrderSnapshot
{
    public static OrderMessage ToMessage(Order order)
    {
        var message = new OrderMessage
        {
            OrderId = order.OrderId,
            Version = order.Version,
            State = order.State,
            GigId = order.GigId,
            SellerId = order.SellerId,
            BuyerId = order.BuyerId,
            Category = order.Category,
            Amount = order.Amount.ToMessage(),
            RevisionsIncluded = order.RevisionsIncluded,
            CreatedAt = Timestamp.FromDateTimeOffset(order.CreatedAt),
            OriginalDueAt = Timestamp.FromDateTimeOffset(order.OriginalDueAt),
            DueAt = Timestamp.FromDateTimeOffset(order.DueAt),
            RequirementsSubmittedAt = ToTimestamp(order.RequirementsSubmittedAt),
            StartedAt = ToTimestamp(order.StartedAt),
            FirstDeliveredAt = ToTimestamp(order.FirstDeliveredAt),
            LastDeliveredAt = ToTimestamp(order.LastDeliveredAt),
            DeliveryCount = order.DeliveryCount,
            RevisionCount = order.RevisionCount,
            RevisionsBeyondIncluded = order.RevisionsBeyondIncluded,
            RevisionsDeclined = order.RevisionsDeclined,
            ExtensionCount = order.ExtensionCount,
            Refunded = new Money(order.Amount.CurrencyCode, order.RefundedMinor).ToMessage(),
            CompletedAt = ToTimestamp(order.CompletedAt),
            AutoCompleted = order.AutoCompleted,
            DisputeCount = order.DisputeCount,
            SupportContactCount = order.SupportContactCount,
            Lateness = order.Lateness is { } lateness ? Duration.FromTimeSpan(lateness) : null,
            UpdatedAt = Timestamp.FromDateTimeOffset(order.UpdatedAt),
            AutoCompleteAt = ToTimestamp(order.AutoCompleteAt),
            BuyerHasSellerAccount = order.BuyerHasSellerAccount,
            BuyerUnresponsiveMarks = order.BuyerUnresponsiveMarks,
        };
        if (order.Cancellation is { } c)
        {
            message.Cancellation = new Cancellation
            {
                Initiator = c.Initiator,
                Reason = c.Reason,
                BuyerUnresponsive = c.BuyerUnresponsive,
                RequestedBy = c.RequestedBy,
                CancelledAt = Timestamp.FromDateTimeOffset(c.CancelledAt),
                Note = c.Note,
            };
        }

        message.Resolutions.AddRange(order.Resolutions.Select(ToMessage));
        return message;
    }

    public static ResolutionRequest ToMessage(Resolution resolution) => new()
    {
        ResolutionId = resolution.ResolutionId,
        Kind = resolution.Kind,
        Status = resolution.Status,
        RequestedBy = resolution.RequestedBy,
        ExtendBy = resolution.ExtendBy is { } extendBy ? Duration.FromTimeSpan(extendBy) : null,
        Refund = resolution.Refund?.ToMessage(),
        CancellationReason = resolution.CancellationReason,
        Message = resolution.Message,
        OpenedAt = Timestamp.FromDateTimeOffset(resolution.OpenedAt),
        AnsweredAt = ToTimestamp(resolution.AnsweredAt),
        AutoAcceptAt = ToTimestamp(resolution.AutoAcceptAt),
    };

    private static Timestamp? ToTimestamp(DateTimeOffset? value) =>
        value is { } v ? Timestamp.FromDateTimeOffset(v) : null;
}
