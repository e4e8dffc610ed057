using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Hosting.Identity;

/// <summary>
/// ASP.NET Core's policy evaluation for the platform's policies, without its per-call machinery
/// where the answer is already known. Authentication: a bearer token JwtBearer already accepted
/// (<see cref="ValidatedBearerCache"/>) authenticates the call at once; any other token goes to
/// JwtBearer. Authorization: when every requirement of the policy is one the platform uses
/// (authenticated user, a claim, a role) and the caller meets them all, the call is allowed at
/// once; anything else (a refusal, an unknown requirement) goes to the standard evaluator, which
/// also says why a call was refused. The standard path per call (a handler instance, an
/// authorization context, requirement sets, several tasks) cost more than the echo itself
/// (bench/grpc); this one allocates nothing for a known caller.
/// </summary>
public sealed class CallerPolicyEvaluator(ValidatedBearerCache validated) : IPolicyEvaluator
{
    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        if (OnlyBearer(policy.AuthenticationSchemes)
            && context.Request.Headers.Authorization is [{ } authorization]
            && validated.Find(authorization) is { } known)
        {
            context.User = known.Result.Principal!;
            return known;
        }

        return Standard(context).AuthenticateAsync(policy, context);
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(
        AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource) =>
        authenticationResult.Succeeded && MeetsAll(policy.Requirements, context.User)
            ? Allowed
            : Standard(context).AuthorizeAsync(policy, authenticationResult, context, resource);

    private static readonly Task<PolicyAuthorizationResult> Allowed = Task.FromResult(PolicyAuthorizationResult.Success());

    /// <summary>ASP.NET Core's own evaluator, resolved per call (it is transient) only when needed.</summary>
    private static PolicyEvaluator Standard(HttpContext context) =>
        context.RequestServices.GetRequiredService<PolicyEvaluator>();

    /// <summary>The policy authenticates with JwtBearer only (a combined policy may name it more than once).</summary>
    private static bool OnlyBearer(IReadOnlyList<string> schemes)
    {
        if (schemes.Count == 0)
        {
            return false;
        }

        foreach (string scheme in schemes)
        {
            if (scheme != CallerIdentity.Scheme)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when every requirement is of a kind checked here and the user meets it.</summary>
    private static bool MeetsAll(IReadOnlyList<IAuthorizationRequirement> requirements, System.Security.Claims.ClaimsPrincipal user)
    {
        foreach (var requirement in requirements)
        {
            bool met = requirement switch
            {
                DenyAnonymousAuthorizationRequirement => user.Identity?.IsAuthenticated == true,
                ClaimsAuthorizationRequirement claim => claim.AllowedValues is null || !claim.AllowedValues.Any()
                    ? user.HasClaim(c => string.Equals(c.Type, claim.ClaimType, StringComparison.OrdinalIgnoreCase))
                    : user.HasClaim(c => string.Equals(c.Type, claim.ClaimType, StringComparison.OrdinalIgnoreCase) && claim.AllowedValues.Contains(c.Value, StringComparer.Ordinal)),
                RolesAuthorizationRequirement roles => roles.AllowedRoles.Any(user.IsInRole),
                _ => false,
            };
            if (!met)
            {
                return false;
            }
        }

        return true;
    }
}
