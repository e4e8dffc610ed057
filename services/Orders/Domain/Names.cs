using Google.Protobuf.Reflection;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;

namespace Marketplace.Orders.Domain;

/// <summary>
/// The snake_case names used in rejection messages, matching SPEC 2's state names so an
/// error reads "order ord-1 is in state 'delivered'; 'deliver' needs 'in_progress'".
/// </summary>
public static class Names
{
    public static string Of(OrderState state) => state switch
    {
        OrderState.Placed => "placed",
        OrderState.RequirementsSubmitted => "requirements_submitted",
        OrderState.InProgress => "in_progress",
        OrderState.Delivered => "delivered",
        OrderState.RevisionRequested => "revision_requested",
        OrderState.Completed => "completed",
        OrderState.Cancelled => "cancelled",
        _ => "unspecified",
    };

    public static string Of(ResolutionStatus status) => status switch
    {
        ResolutionStatus.Open => "open",
        ResolutionStatus.Accepted => "accepted",
        ResolutionStatus.Rejected => "rejected",
        ResolutionStatus.Escalated => "escalated",
        ResolutionStatus.GrantedBySupport => "granted_by_support",
        ResolutionStatus.DeclinedBySupport => "declined_by_support",
        _ => "unspecified",
    };

    /// <summary>The proto enum value name a client sends, e.g. CANCELLATION_REASON_CHARGEBACK_FRAUD.</summary>
    public static string Of(CancellationReason reason) => ProtoName(CancellationReasonType, (int)reason);

    private static readonly EnumDescriptor CancellationReasonType =
        OrdersEventsReflection.Descriptor.FindTypeByName<EnumDescriptor>("CancellationReason");

    private static string ProtoName(EnumDescriptor type, int number) =>
        type.FindValueByNumber(number)?.Name ?? number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Of(PartyRole role) => role switch
    {
        PartyRole.Buyer => "buyer",
        PartyRole.Seller => "seller",
        PartyRole.Support => "support",
        PartyRole.Internal => "internal",
        _ => "unspecified",
    };
}
