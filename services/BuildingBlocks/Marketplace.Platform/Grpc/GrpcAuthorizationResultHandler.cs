using System.Text;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Marketplace.Hosting.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Marketplace.Platform.Grpc;

/// <summary>
/// Ends a gRPC call that authorization refused with a gRPC status a client can act on, instead
/// of the HTTP 401/403 that ASP.NET Core answers by default: UNAUTHENTICATED with what is wrong
/// with the token (missing, malformed, expired, bad signature, ...), or PERMISSION_DENIED naming
/// the roles the RPC needs and the ones the caller holds. Trailers-only, as the gRPC protocol
/// answers a call that fails before any message. Other endpoints get the default behaviour.
/// </summary>
public sealed class GrpcAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded || context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not { } grpc)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var caller = Caller.From(context.User);
        var (code, message) = caller is null
            ? (StatusCode.Unauthenticated, await WhyUnauthenticatedAsync(context))
            : (StatusCode.PermissionDenied, WhyForbidden(grpc.Method.FullName, caller, authorizeResult));
        WriteStatus(context.Response, code, message);
    }

    private static async Task<string> WhyUnauthenticatedAsync(HttpContext context)
    {
        string? authorization = context.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(authorization))
        {
            return "missing 'authorization' metadata (expected 'Bearer <token>')";
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return "'authorization' metadata must be 'Bearer <token>'";
        }

        // The handler caches its result per request: this does not validate the token again.
        var result = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        return result.Succeeded
            ? $"invalid bearer token: no '{CallerIdentity.SubjectClaim}' claim"
            : "invalid bearer token: " + CallerIdentity.Describe(result.Failure);
    }

    private static string WhyForbidden(string method, Caller caller, PolicyAuthorizationResult result)
    {
        var roles = result.AuthorizationFailure?.FailedRequirements.OfType<RolesAuthorizationRequirement>()
            .SelectMany(r => r.AllowedRoles).Distinct().ToList() ?? [];
        return roles.Count > 0
            ? $"{method} needs the role {string.Join(" or ", roles)}; caller {caller} does not hold it"
            : $"{method} is not allowed for caller {caller}";
    }

    /// <summary>A trailers-only gRPC response: HTTP 200 with grpc-status and grpc-message in the headers.</summary>
    private static void WriteStatus(HttpResponse response, StatusCode code, string message)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
    }

    /// <summary>grpc-message encoding: UTF-8, then every byte outside 0x20-0x7E, and '%', as %XX.</summary>
    private static string PercentEncode(string message)
    {
        var text = new StringBuilder(message.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}
