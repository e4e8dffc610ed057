using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Marketplace.Hosting.Identity;

/// <summary>
/// Remembers the callers of bearer tokens that JwtBearer found valid, so a caller that sends the
/// same token on every call (a service, a tool, a client session) has it parsed, its signature
/// checked and its claims built once, not on every call: validating the token was about half of
/// the CPU of an authenticated unary call (bench/grpc). Wired into JwtBearer's own events:
/// <see cref="JwtBearerEvents.OnTokenValidated"/> remembers, <see cref="JwtBearerEvents.OnMessageReceived"/>
/// answers a known token before JwtBearer would validate it again.
/// <list type="bullet">
/// <item>Only tokens JwtBearer accepted are remembered, keyed by the exact <c>authorization</c>
/// value; anything else goes through full validation on every call, failures as before.</item>
/// <item>A token is remembered until its own expiry plus the allowed clock skew (exactly when a
/// fresh validation would start refusing it) and at most <see cref="MaxAge"/>, so a key rotation
/// or a changed issuer configuration takes effect within that time.</item>
/// <item>At most <see cref="Capacity"/> tokens: when full, expired ones are dropped, and if that
/// frees nothing everything is forgotten (only callers holding valid tokens can fill it).</item>
/// <item>The remembered principal is shared by the calls of that token: nothing in the platform
/// changes a principal after authentication (no claims transformation), and nothing may.</item>
/// </list>
/// </summary>
public sealed class ValidatedBearerCache(TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _valid = new(StringComparer.Ordinal);

    /// <summary>How many tokens are remembered.</summary>
    public int Count => _valid.Count;

    /// <summary>JwtBearer's MessageReceived: a remembered token authenticates the call without validating it again.</summary>
    public Task OnMessageReceived(MessageReceivedContext context)
    {
        if (context.Request.Headers.Authorization is [{ } authorization] && _valid.TryGetValue(authorization, out var entry))
        {
            if (clock.GetUtcNow().UtcDateTime < entry.Until)
            {
                context.Principal = entry.Principal;
                context.Success();
            }
            else
            {
                _valid.TryRemove(new KeyValuePair<string, Entry>(authorization, entry));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>JwtBearer's TokenValidated: remembers the caller of a token that passed every check.</summary>
    public Task OnTokenValidated(TokenValidatedContext context)
    {
        if (context.Request.Headers.Authorization is [{ } authorization] && context.Principal is { } principal)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var expires = context.SecurityToken.ValidTo + context.Options.TokenValidationParameters.ClockSkew;
            var until = expires < now + MaxAge ? expires : now + MaxAge;
            if (until > now)
            {
                MakeRoom(now);
                _valid[authorization] = new Entry(principal, until);
            }
        }

        return Task.CompletedTask;
    }

    private void MakeRoom(DateTime now)
    {
        if (_valid.Count < Capacity)
        {
            return;
        }

        foreach (var (key, entry) in _valid)
        {
            if (entry.Until <= now)
            {
                _valid.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            }
        }

        if (_valid.Count >= Capacity)
        {
            _valid.Clear();
        }
    }

    private sealed record Entry(ClaimsPrincipal Principal, DateTime Until);
}
