using System.Security.Claims;

namespace Marketplace.Hosting.Identity;

/// <summary>What a caller may act as. One account can hold several roles (a buyer with an active seller account).</summary>
public enum CallerRole
{
    Buyer,
    Seller,
    Support,
    Internal,
}

/// <summary>The authenticated caller of a gRPC call: the account id (JWT <c>sub</c>) and its roles.</summary>
public sealed record Caller(string Subject, IReadOnlySet<CallerRole> Roles)
{
    public bool Has(CallerRole role) => Roles.Contains(role);

    /// <summary>Support staff and internal services (ranking, support tools) may see what only the account itself sees.</summary>
    public bool IsPrivileged => Has(CallerRole.Support) || Has(CallerRole.Internal);

    /// <summary>The account itself, or a privileged caller.</summary>
    public bool IsSelfOrPrivileged(string accountId) => IsPrivileged || string.Equals(Subject, accountId, StringComparison.Ordinal);

    /// <summary>The caller of an authenticated request (the JwtBearer handler's principal), or null when it carries no account id.</summary>
    public static Caller? From(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true || user.FindFirst(CallerIdentity.SubjectClaim)?.Value is not { Length: > 0 } subject)
        {
            return null;
        }

        var roles = new HashSet<CallerRole>();
        foreach (var claim in user.FindAll(CallerIdentity.RoleClaim))
        {
            if (CallerRoles.TryParse(claim.Value, out var role))
            {
                roles.Add(role);
            }
        }

        return new Caller(subject, roles);
    }

    public override string ToString() => Roles.Count == 0
        ? $"{Subject} (no role)"
        : $"{Subject} ({string.Join(",", Roles.Order().Select(CallerRoles.Name))})";
}

/// <summary>The role names used in tokens.</summary>
public static class CallerRoles
{
    public static string Name(CallerRole role) => role switch
    {
        CallerRole.Buyer => "buyer",
        CallerRole.Seller => "seller",
        CallerRole.Support => "support",
        CallerRole.Internal => "internal",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParse(string name, out CallerRole role)
    {
        switch (name)
        {
            case "buyer": role = CallerRole.Buyer; return true;
            case "seller": role = CallerRole.Seller; return true;
            case "support": role = CallerRole.Support; return true;
            case "internal": role = CallerRole.Internal; return true;
            default: role = default; return false;
        }
    }
}
