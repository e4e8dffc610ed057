using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Marketplace.Hosting.Tests;

/// <summary>
/// An asymmetric signing key made for one test, as an identity provider holds it: the private
/// half signs tokens, the public half is published as a JWKS document or a PEM file.
/// </summary>
public sealed class TestSigningKey : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    private TestSigningKey(AsymmetricAlgorithm key, SecurityKey securityKey, string algorithm)
    {
        _key = key;
        Credentials = new SigningCredentials(securityKey, algorithm);
    }

    public string KeyId => Credentials.Key.KeyId;

    public SigningCredentials Credentials { get; }

    public static TestSigningKey Rsa()
    {
        var rsa = RSA.Create(2048);
        return new TestSigningKey(rsa, new RsaSecurityKey(rsa) { KeyId = NewKeyId() }, SecurityAlgorithms.RsaSha256);
    }

    public static TestSigningKey Ec()
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new TestSigningKey(ec, new ECDsaSecurityKey(ec) { KeyId = NewKeyId() }, SecurityAlgorithms.EcdsaSha256);
    }

    /// <summary>The public key as PEM (SubjectPublicKeyInfo, "BEGIN PUBLIC KEY").</summary>
    public string PublicPem => _key switch
    {
        RSA rsa => rsa.ExportSubjectPublicKeyInfoPem(),
        ECDsa ec => ec.ExportSubjectPublicKeyInfoPem(),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The public key as one entry of a JWKS document.</summary>
    public Dictionary<string, string> PublicJwk => _key switch
    {
        RSA rsa when rsa.ExportParameters(false) is var p => new()
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = KeyId,
            ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent),
        },
        ECDsa ec when ec.ExportParameters(false) is var p => new()
        {
            ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = KeyId, ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
        },
        _ => throw new InvalidOperationException(),
    };

    public static string Jwks(params TestSigningKey[] keys) => JsonSerializer.Serialize(new { keys = keys.Select(k => k.PublicJwk) });

    public void Dispose() => _key.Dispose();

    private static string NewKeyId() => Guid.NewGuid().ToString("N")[..12];
}

/// <summary>Bearer tokens as identity providers issue them, good and bad.</summary>
public static class TokenFactory
{
    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>A signed JWT with <c>sub</c> and <c>role</c> claims.</summary>
    public static string Signed(SigningCredentials credentials, string subject, CallerRole[] roles,
        string issuer = IdentityOptions.DefaultIssuer, string audience = "marketplace", DateTime? issuedAt = null, TimeSpan? lifetime = null)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(10)),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = subject,
                [CallerIdentity.RoleClaim] = roles.Select(CallerRoles.Name).ToArray(),
            },
            SigningCredentials = credentials,
        });
    }

    /// <summary>An HS256 token signed with <paramref name="key"/>.</summary>
    public static string Hs256(string key, string subject, CallerRole[] roles, string issuer = IdentityOptions.DefaultIssuer, string audience = "marketplace") =>
        new TokenIssuer(key, issuer, audience).Mint(subject, roles, TimeSpan.FromMinutes(10));

    /// <summary>A token with valid signature and lifetime but no <c>sub</c> claim.</summary>
    public static string WithoutSubject(string key, params CallerRole[] roles) => Handler.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = IdentityOptions.DefaultIssuer,
        Audience = "marketplace",
        Expires = DateTime.UtcNow.AddMinutes(10),
        Claims = new Dictionary<string, object> { [CallerIdentity.RoleClaim] = roles.Select(CallerRoles.Name).ToArray() },
        SigningCredentials = new SigningCredentials(SigningKeys.Symmetric(key), SecurityAlgorithms.HmacSha256),
    });
}

/// <summary>
/// A tiny OpenID Connect issuer on 127.0.0.1 (plain HTTP): the discovery document at
/// <c>/.well-known/openid-configuration</c> naming itself as issuer and its <c>/jwks</c>, which
/// publishes the public halves of its keys. Counts how often each was fetched.
/// </summary>
public sealed class LocalOidcIssuer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _discoveryFetches;
    private int _jwksFetches;

    private LocalOidcIssuer(WebApplication app, string authority, TestSigningKey key)
    {
        _app = app;
        Authority = authority;
        Key = key;
    }

    /// <summary>The issuer URL: <c>http://127.0.0.1:&lt;port&gt;</c>.</summary>
    public string Authority { get; }

    /// <summary>The key its tokens are signed with.</summary>
    public TestSigningKey Key { get; }

    public int DiscoveryFetches => Volatile.Read(ref _discoveryFetches);

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public static async Task<LocalOidcIssuer> StartAsync()
    {
        int port = FreePort.Next();
        string authority = $"http://127.0.0.1:{port}";
        var key = TestSigningKey.Rsa();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var issuer = new LocalOidcIssuer(app, authority, key);
        app.MapGet("/.well-known/openid-configuration", () =>
        {
            Interlocked.Increment(ref issuer._discoveryFetches);
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = authority,
                ["jwks_uri"] = authority + "/jwks",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["response_types_supported"] = new[] { "id_token" },
                ["subject_types_supported"] = new[] { "public" },
            });
        });
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref issuer._jwksFetches);
            return Results.Text(TestSigningKey.Jwks(key), "application/json");
        });
        await app.StartAsync();
        return issuer;
    }

    /// <summary>A token this issuer would issue.</summary>
    public string Issue(string subject, params CallerRole[] roles) => TokenFactory.Signed(Key.Credentials, subject, roles, issuer: Authority);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Key.Dispose();
    }
}
