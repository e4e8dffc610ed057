using Marketplace.Contracts.Common.V1;

namespace Marketplace.Messaging.Domain;

/// <summary>The role names used in rejection messages.</summary>
public static class Names
{
    public static string Of(PartyRole role) => role switch
    {
        PartyRole.Buyer => "buyer",
        PartyRole.Seller => "seller",
        PartyRole.Support => "support",
        PartyRole.Internal => "internal",
        _ => "unspecified",
    };
}
