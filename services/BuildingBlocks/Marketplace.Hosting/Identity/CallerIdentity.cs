using Marketplace.Hosting.Configuration;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Marketplace.Hosting.Identity;

/// <summary>
/// Who may call what, as ASP.NET Core authentication and authorization: the JwtBearer handler
/// reads <c>authorization: Bearer &lt;JWT&gt;</c> (keys from <see cref="IdentityOptions"/>), and
/// one policy per kind of RPC decides whether the caller's roles allow the call at all. Finer
/// rules (only an order's buyer reviews it, ...) belong to the domain, which sees the
/// <see cref="Caller"/>. API classes carry <c>[Authorize]</c> (the default policy: an
/// authenticated account) and <c>[Authorize(Policy = ...)]</c> on the RPCs that need a role.
/// </summary>
public static class CallerIdentity
{
    /// <summary>The one authentication scheme: JwtBearer.</summary>
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;

    public const string SubjectClaim = JwtRegisteredClaimNames.Sub;
    public const string RoleClaim = "role";

    /// <summary>Support staff or internal services (ranking, support tools).</summary>
    public const string Privileged = "privileged";

    /// <summary>Support staff only (decisions that need a person: Top Rated, removals).</summary>
    public const string Support = "support";

    /// <summary>An account holding the buyer role (placing orders).</summary>
    public const string Buyer = "buyer";

    public static IServiceCollection AddCallerIdentity(this IServiceCollection services)
    {
        services.AddSectionOptions<IdentityOptions>(IdentityOptions.Section);
        // The policies name the scheme, so a call is authenticated once, by the policy evaluator, and
        // only on endpoints that need a caller. Without this switch ASP.NET Core makes JwtBearer, the
        // only scheme, the default one, and the authentication middleware authenticates every request
        // as well (a handler, a ticket and several tasks per call; bench/grpc).
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication(authentication =>
        {
            authentication.DefaultChallengeScheme = Scheme;
            authentication.DefaultForbidScheme = Scheme;
        }).AddJwtBearer();
        services.TryAddSingleton(TimeProvider.System);
        // Tokens live in real time, whatever clock the domain reads (Platform:Clock): a simulated
        // clock behind the machine's would otherwise keep an expired token in the cache.
        services.AddSingleton(_ => new ValidatedBearerCache(TimeProvider.System));
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<IdentityOptions>, ValidatedBearerCache>((jwt, identity, validated) =>
            {
                Configure(jwt, identity.Value);
                jwt.Events = new JwtBearerEvents
                {
                    OnTokenValidated = validated.OnTokenValidated,
                };
            });

        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(Scheme)
                .RequireAuthenticatedUser()
                .RequireClaim(SubjectClaim)
                .Build())
            .AddPolicy(Privileged, policy => policy.AddAuthenticationSchemes(Scheme).RequireClaim(SubjectClaim).RequireRole(CallerRoles.Name(CallerRole.Support), CallerRoles.Name(CallerRole.Internal)))
            .AddPolicy(Support, policy => policy.AddAuthenticationSchemes(Scheme).RequireClaim(SubjectClaim).RequireRole(CallerRoles.Name(CallerRole.Support)))
            .AddPolicy(Buyer, policy => policy.AddAuthenticationSchemes(Scheme).RequireClaim(SubjectClaim).RequireRole(CallerRoles.Name(CallerRole.Buyer)));
        services.TryAddTransient<PolicyEvaluator>();
        services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, CallerPolicyEvaluator>());
        return services;
    }

    private static void Configure(JwtBearerOptions jwt, IdentityOptions identity)
    {
        jwt.MapInboundClaims = false;
        jwt.SaveToken = false;
        jwt.IncludeErrorDetails = false;
        var validation = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudience = identity.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(identity.ClockSkewSeconds),
            NameClaimType = SubjectClaim,
            RoleClaimType = RoleClaim,
        };

        if (!string.IsNullOrWhiteSpace(identity.Authority))
        {
            jwt.Authority = identity.Authority;
            jwt.MetadataAddress = identity.MetadataAddress ?? "";
            jwt.RequireHttpsMetadata = identity.RequireHttpsMetadata;
            validation.ValidIssuer = identity.Issuer; // null: the issuer named by the discovery document
            validation.ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512];
        }
        else
        {
            var keys = string.IsNullOrWhiteSpace(identity.SigningKey)
                ? SigningKeys.FromFile(identity.SigningKeyFile!)
                : [SigningKeys.Symmetric(identity.SigningKey)];
            validation.ValidIssuer = identity.Issuer ?? IdentityOptions.DefaultIssuer;
            validation.IssuerSigningKeys = keys;
            validation.ValidAlgorithms = keys.All(k => k is SymmetricSecurityKey)
                ? [SecurityAlgorithms.HmacSha256]
                : [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
                    SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512];
        }

        jwt.TokenValidationParameters = validation;
    }

    /// <summary>Why a token was refused, in words a client can act on (never the token itself).</summary>
    public static string Describe(Exception? failure) => failure switch
    {
        null => "rejected",
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not yet valid",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "bad signature",
        SecurityTokenInvalidAlgorithmException => "signing algorithm not accepted",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenNoExpirationException => "no expiry",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        _ => "rejected",
    };
}
