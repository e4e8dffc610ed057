using Google.Protobuf.Reflection;
using Marketplace.Contracts.Common.V1;
using Marketplace.Contracts.Orders.V1;
using Marketplace.Contracts.Reviews.V1;

namespace Marketplace.Reviews.Domain;

/// <summary>The snake_case names used in rejection messages (SPEC 2 state names, role names).</summary>
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

    private static readonly EnumDescriptor EligibilityRuleType =
        ReviewsServiceReflection.Descriptor.FindTypeByName<EnumDescriptor>("EligibilityRule");

    /// <summary>The proto name a client sees, e.g. ELIGIBILITY_RULE_FIRST_TIME_BUYER.</summary>
    public static string Of(EligibilityRule rule) =>
        EligibilityRuleType.FindValueByNumber((int)rule)?.Name ?? ((int)rule).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Of(PartyRole role) => role switch
    {
        PartyRole.Buyer => "buyer",
        PartyRole.Seller => "seller",
        PartyRole.Support => "support",
        PartyRole.Internal => "internal",
        _ => "unspecified",
    };
}
