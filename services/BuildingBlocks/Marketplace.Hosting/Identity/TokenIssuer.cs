using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Marketplace.Hosting.Identity;

/// <summary>
/// Mints the HS256 bearer tokens local runs, tools and tests call the services with
/// (<c>sub</c>, <c>role</c>, issuer and audience as <see cref="IdentityOptions"/> expects).
/// Services never mint tokens; in a cluster an identity provider does.
/// </summary>
public sealed class TokenIssuer(string signingKey, string issuer = IdentityOptions.DefaultIssuer, string audience = "marketplace")
{
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SigningCredentials _credentials = new(SigningKeys.Symmetric(signingKey), SecurityAlgorithms.HmacSha256);

    public string Mint(string subject, IEnumerable<CallerRole> roles, TimeSpan lifetime, DateTime? now = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        var issuedAt = now ?? DateTime.UtcNow;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = subject,
                [CallerIdentity.RoleClaim] = roles.Select(CallerRoles.Name).Distinct().ToArray(),
            },
            SigningCredentials = _credentials,
        });
    }

    /// <summary>The value of an <c>authorization</c> header: <c>Bearer &lt;token&gt;</c>.</summary>
    public string Bearer(string subject, params CallerRole[] roles) => "Bearer " + Mint(subject, roles, TimeSpan.FromHours(1));
}
