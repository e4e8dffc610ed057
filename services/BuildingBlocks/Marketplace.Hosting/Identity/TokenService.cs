using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Marketplace.Hosting.Identity;

/// <summary>The outcome of reading a call's <c>authorization</c> metadata: a caller, or why there is none.</summary>
public readonly record struct Authentication(Caller? Caller, string? Failure)
{
    public bool Succeeded => Caller is not null;
}

/// <summary>
/// Mints and checks the bearer tokens that carry a caller's identity on every gRPC call
/// (<c>authorization: Bearer &lt;JWT&gt;</c>, claims <c>sub</c> and <c>role</c>).
/// </summary>
public sealed class TokenService
{
    public const string RoleClaim = "role";
    private const string BearerPrefix = "Bearer ";

    private readonly IdentityOptions _options;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _validation;

    public TokenService(IdentityOptions options)
    {
        _options = options;
        var key = new SymmetricSecurityKey(options.SigningKey);
        _credentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
        _validation = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = options.ClockSkew,
            RequireExpirationTime = true,
            NameClaimType = JwtRegisteredClaimNames.Sub,
            RoleClaimType = RoleClaim,
        };
    }

    /// <summary>Mints a token for local runs, tools and tests.</summary>
    public string Mint(string subject, IEnumerable<CallerRole> roles, TimeSpan lifetime, DateTime? now = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        var issuedAt = now ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = subject,
            [RoleClaim] = roles.Select(CallerRoles.Name).Distinct().ToArray(),
        };
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + lifetime,
            Claims = claims,
            SigningCredentials = _credentials,
        });
    }

    /// <summary>Reads an <c>authorization</c> value. Never throws for bad input: the failure says what is wrong.</summary>
    public async Task<Authentication> AuthenticateAsync(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return new(null, "missing 'authorization' metadata (expected 'Bearer <token>')");
        }

        if (!authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return new(null, "'authorization' metadata must be 'Bearer <token>'");
        }

        var result = await _handler.ValidateTokenAsync(authorization[BearerPrefix.Length..].Trim(), _validation);
        if (!result.IsValid)
        {
            return new(null, "invalid bearer token: " + Describe(result.Exception));
        }

        string? subject = result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Sub)?.Value;
        if (string.IsNullOrWhiteSpace(subject))
        {
            return new(null, "invalid bearer token: no 'sub' claim");
        }

        var roles = new HashSet<CallerRole>();
        foreach (Claim claim in result.ClaimsIdentity.FindAll(RoleClaim))
        {
            if (CallerRoles.TryParse(claim.Value, out var role))
            {
                roles.Add(role);
            }
        }

        return new(new Caller(subject, roles), null);
    }

    private static string Describe(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "bad signature",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenNotYetValidException => "not yet valid",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        null => "rejected",
        _ => "rejected",
    };
}
