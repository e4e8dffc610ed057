using System.Globalization;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Reviews.Domain;
using OrderMessage = Marketplace.Contracts.Orders.V1.Order;

namespace Marketplace.Reviews.Store;

/// <summary>
/// The order hash: the latest order snapshot Reviews has consumed (with its <c>version</c>),
/// flattened to the fields a <see cref="ReviewableOrder"/> needs. <c>seller_unresponsive</c> is
/// written separately (from Messaging's events), so order snapshots never overwrite it.
/// A hash without <c>version</c> means the order itself has not been seen yet.
/// </summary>
public static class OrderFactsFields
{
    public const string Version = "version";
    public const string SellerUnresponsive = "seller_unresponsive";

    public static IReadOnlyDictionary<string, string> FromSnapshot(OrderMessage order)
    {
        var f = new Dictionary<string, string>
        {
            ["order_id"] = order.OrderId,
            [Version] = order.Version.ToString(CultureInfo.InvariantCulture),
            ["gig_id"] = order.GigId,
            ["seller_id"] = order.SellerId,
            ["buyer_id"] = order.BuyerId,
            ["category"] = order.Category,
            ["state"] = ((int)order.State).ToString(CultureInfo.InvariantCulture),
            ["due_at"] = Time(order.DueAt),
            ["completed_at"] = Time(order.CompletedAt),
            ["cancelled_at"] = Time(order.Cancellation?.CancelledAt),
            ["cancellation_initiator"] = ((int)(order.Cancellation?.Initiator ?? CancellationInitiator.Unspecified)).ToString(CultureInfo.InvariantCulture),
            ["first_delivered_at"] = Time(order.FirstDeliveredAt),
            ["requirements_submitted"] = order.RequirementsSubmittedAt is null ? "0" : "1",
        };
        return f;
    }

    /// <summary>The order, or null when only Messaging facts (or nothing) arrived so far.</summary>
    public static ReviewableOrder? ToOrder(IReadOnlyDictionary<string, string> fields)
    {
        if (!fields.ContainsKey(Version))
        {
            return null;
        }

        string Get(string name) =>
            fields.TryGetValue(name, out var value) ? value : throw new FormatException($"order field '{name}' is missing");
        DateTimeOffset? Optional(string name) =>
            Get(name) is { Length: > 0 } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : null;

        return new ReviewableOrder
        {
            OrderId = Get("order_id"),
            GigId = Get("gig_id"),
            SellerId = Get("seller_id"),
            BuyerId = Get("buyer_id"),
            Category = Get("category"),
            State = (OrderState)int.Parse(Get("state"), CultureInfo.InvariantCulture),
            DueAt = Optional("due_at") ?? DateTimeOffset.MaxValue,
            CompletedAt = Optional("completed_at"),
            CancelledAt = Optional("cancelled_at"),
            CancellationInitiator = (CancellationInitiator)int.Parse(Get("cancellation_initiator"), CultureInfo.InvariantCulture),
            FirstDeliveredAt = Optional("first_delivered_at"),
            RequirementsSubmitted = Get("requirements_submitted") == "1",
            SellerUnresponsive = fields.TryGetValue(SellerUnresponsive, out var marked) && marked == "1",
        };
    }

    private static string Time(Google.Protobuf.WellKnownTypes.Timestamp? value) =>
        value is null ? "" : value.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture);
}
