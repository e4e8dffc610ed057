using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Marketplace.Hosting.Identity;

/// <summary>
/// Remembers the callers of bearer tokens that JwtBearer found valid, so a caller that sends the
/// same token on every call (a service, a tool, a client session) has it parsed, its signature
/// checked and its claims built once, not on every call: validating the token was about half of
/// the CPU of an authenticated unary call (bench/grpc). JwtBearer's own
/// <see cref="JwtBearerEvents.OnTokenValidated"/> remembers a token it accepted, and
/// <see cref="CallerPolicyEvaluator"/>, the one place a call is authenticated, answers a known
/// token without asking JwtBearer again.
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

    /// <summary>How many times JwtBearer validated a token in full (each should happen once per token).</summary>
    public long Validations => Interlocked.Read(ref _validations);

    private long _validations;

    /// <summary>The authentication of a remembered token, or null when it is unknown or no longer honoured.</summary>
    public Task<AuthenticateResult>? Find(string authorization)
    {
        if (!_valid.TryGetValue(authorization, out var entry))
        {
            return null;
        }

        if (clock.GetUtcNow().UtcDateTime < entry.Until)
        {
            return entry.Result;
        }

        _valid.TryRemove(new KeyValuePair<string, Entry>(authorization, entry));
        return null;
    }

    /// <summary>JwtBearer's TokenValidated: remembers the caller of a token that passed every check.</summary>
    public Task OnTokenValidated(TokenValidatedContext context)
    {
        Interlocked.Increment(ref _validations);
        if (context.Request.Headers.Authorization is [{ } authorization] && context.Principal is { } principal)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var expires = context.SecurityToken.ValidTo + context.Options.TokenValidationParameters.ClockSkew;
            var until = expires < now + MaxAge ? expires : now + MaxAge;
            if (until > now)
            {
                MakeRoom(now);
                var ticket = new AuthenticationTicket(principal, context.Scheme.Name);
                _valid[authorization] = new Entry(Task.FromResult(AuthenticateResult.Success(ticket)), until);
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

    private sealed record Entry(Task<AuthenticateResult> Result, DateTime Until);
}
