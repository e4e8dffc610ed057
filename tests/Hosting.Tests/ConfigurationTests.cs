using Marketplace.Hosting.Identity;
using Marketplace.Orders;
using Marketplace.Orders.Api;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Marketplace.Hosting.Tests;

/// <summary>
/// Settings are bound with the options pattern and validated when the host starts: Orders is
/// put together in-process exactly as its Program.cs does, and a bad value makes the start fail
/// with one problem per key, each naming the key and what is wrong (what the service prints
/// before exiting with code 2; <see cref="ProcessLifecycleTests"/> checks the real executable).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ConfigurationTests(RedisFixture redis) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mp-config-").FullName;

    [Fact]
    public async Task Valid_settings_are_bound_and_the_service_starts()
    {
        await using var host = await StartOrdersAsync(new()
        {
            ["Platform:ShutdownTimeoutSeconds"] = "7",
            ["Orders:TimerSweepIntervalMs"] = "250",
            ["Identity:ClockSkewSeconds"] = "5",
        });

        var platform = host.Services.GetRequiredService<IOptions<PlatformOptions>>().Value;
        Assert.Equal("orders", platform.AppId);
        Assert.Equal(host.GrpcPort, platform.GrpcPort);
        Assert.Equal(host.HttpPort, platform.HttpPort);
        Assert.Equal(System.Net.IPAddress.Loopback, platform.BindIpAddress);
        Assert.Equal(TimeSpan.FromSeconds(7), platform.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), host.Services.GetRequiredService<IOptions<OrdersOptions>>().Value.TimerSweepInterval);
        Assert.Equal(5, host.Services.GetRequiredService<IOptions<IdentityOptions>>().Value.ClockSkewSeconds);
    }

    [Theory]
    [InlineData("Platform:HttpPort", "70000", "Platform:HttpPort must be a port number from 1 to 65535 (got '70000')")]
    [InlineData("Platform:GrpcPort", "0", "Platform:GrpcPort must be a port number from 1 to 65535 (got '0')")]
    [InlineData("Platform:BindAddress", "not-an-ip", "Platform:BindAddress must be an IP address")]
    [InlineData("Platform:ShutdownTimeoutSeconds", "0", "Platform:ShutdownTimeoutSeconds must be a whole number of seconds from 1 to 300")]
    [InlineData("Platform:AppId", "Orders_Service", "Platform:AppId must be 1-63 lowercase letters, digits and '-'")]
    [InlineData("Platform:Redis", "", "Platform:Redis is required")]
    [InlineData("Orders:TimerSweepIntervalMs", "5", "Orders:TimerSweepIntervalMs must be a whole number of milliseconds from 10 to 3600000 (got '5')")]
    [InlineData("Orders:AutoCompleteAfter", "-1.00:00:00", "Orders:AutoCompleteAfter must be a time span")]
    [InlineData("Identity:Audience", "", "Identity:Audience is required")]
    [InlineData("Identity:ClockSkewSeconds", "900", "Identity:ClockSkewSeconds must be a whole number of seconds from 0 to 300 (got '900')")]
    public async Task A_bad_value_stops_the_start_with_one_problem_naming_its_key(string key, string value, string expected)
    {
        var problems = await ProblemsAsync(new() { [key] = value });

        string problem = Assert.Single(problems);
        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Platform:GrpcPort", "abc")]
    [InlineData("Platform:ShutdownTimeoutSeconds", "soon")]
    [InlineData("Orders:AutoCompleteAfter", "three days")]
    [InlineData("Identity:RequireHttpsMetadata", "maybe")]
    public async Task A_value_the_binder_cannot_convert_is_a_problem_naming_its_key_and_value(string key, string value)
    {
        var problems = await ProblemsAsync(new() { [key] = value });

        string problem = Assert.Single(problems);
        Assert.Contains($"'{key}'", problem, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Equal_ports_are_refused_naming_both_keys()
    {
        var problems = await ProblemsAsync(new() { ["Platform:GrpcPort"] = "7111", ["Platform:HttpPort"] = "7111" });

        Assert.StartsWith("Platform:GrpcPort must differ from Platform:HttpPort (both are 7111)", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_bad_key_is_reported_not_only_the_first()
    {
        var problems = await ProblemsAsync(new()
        {
            ["Platform:HttpPort"] = "70000",
            ["Platform:BindAddress"] = "somewhere",
            ["Orders:TimerSweepIntervalMs"] = "1",
            ["Identity:SigningKey"] = "too-short",
        });

        Assert.Equal(4, problems.Count);
        Assert.Single(problems, p => p.StartsWith("Platform:HttpPort ", StringComparison.Ordinal));
        Assert.Single(problems, p => p.StartsWith("Platform:BindAddress ", StringComparison.Ordinal));
        Assert.Single(problems, p => p.StartsWith("Orders:TimerSweepIntervalMs ", StringComparison.Ordinal));
        Assert.Single(problems, p => p.StartsWith("Identity:SigningKey must be at least 32 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_key_source_is_refused_naming_the_three_keys()
    {
        var problems = await ProblemsAsync(new() { ["Identity:SigningKey"] = null });

        string problem = Assert.Single(problems);
        Assert.StartsWith("Identity: needs exactly one of Identity:SigningKey", problem, StringComparison.Ordinal);
        Assert.Contains("Identity:SigningKeyFile", problem, StringComparison.Ordinal);
        Assert.Contains("Identity:Authority", problem, StringComparison.Ordinal);
        Assert.EndsWith("(found 0)", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Identity:SigningKeyFile")]
    [InlineData("Identity:Authority")]
    public async Task Two_key_sources_are_refused(string second)
    {
        string value = second == "Identity:Authority" ? "https://login.example.com/" : WriteFile("key.txt", TestIdentity.SigningKey);
        var problems = await ProblemsAsync(new() { [second] = value });

        string problem = Assert.Single(problems);
        Assert.StartsWith("Identity: needs exactly one of", problem, StringComparison.Ordinal);
        Assert.EndsWith("(found 2)", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_signing_key_is_refused_naming_the_key()
    {
        var problems = await ProblemsAsync(new() { ["Identity:SigningKey"] = "short-secret-value" });

        string problem = Assert.Single(problems);
        Assert.StartsWith("Identity:SigningKey must be at least 32 bytes (HS256)", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret-value", problem, StringComparison.Ordinal); // a key is never echoed into logs
    }

    [Fact]
    public async Task A_redis_setting_is_never_echoed_as_it_may_carry_a_password()
    {
        var problems = await ProblemsAsync(new() { ["Platform:Redis"] = "", ["Platform:GrpcPort"] = "0" });

        Assert.Contains(problems, p => p.StartsWith("Platform:Redis is required", StringComparison.Ordinal) && !p.Contains("got", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Platform:GrpcPort must be a port number", StringComparison.Ordinal) && p.EndsWith("(got '0')", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signing_key_file_that_does_not_exist_is_refused_naming_the_key()
    {
        string missing = Path.Combine(_directory, "no-such-key.pem");
        var problems = await ProblemsAsync(new() { ["Identity:SigningKey"] = null, ["Identity:SigningKeyFile"] = missing });

        string problem = Assert.Single(problems);
        Assert.StartsWith("Identity:SigningKeyFile must name a readable JWKS, PEM public key or HS256 key file", problem, StringComparison.Ordinal);
        Assert.Contains(missing, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a directory")]
    [InlineData("a short HS256 key")]
    [InlineData("a JWKS without keys")]
    [InlineData("a broken PEM")]
    public async Task A_signing_key_file_without_a_usable_key_is_refused_naming_the_key(string what)
    {
        string path = what switch
        {
            "a directory" => Directory.CreateDirectory(Path.Combine(_directory, "keys")).FullName,
            "a short HS256 key" => WriteFile("short.key", "short"),
            "a JWKS without keys" => WriteFile("empty.jwks", """{"keys":[]}"""),
            _ => WriteFile("broken.pem", "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n"),
        };
        var problems = await ProblemsAsync(new() { ["Identity:SigningKey"] = null, ["Identity:SigningKeyFile"] = path });

        Assert.StartsWith("Identity:SigningKeyFile must name a readable JWKS, PEM public key or HS256 key file", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authority_that_is_not_a_url_is_refused_naming_the_key()
    {
        var problems = await ProblemsAsync(new() { ["Identity:SigningKey"] = null, ["Identity:Authority"] = "login-server" });

        Assert.StartsWith("Identity:Authority must be an absolute URL", Assert.Single(problems), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task<ServiceHost> StartOrdersAsync(Dictionary<string, string?> settings) =>
        ServiceHost.StartAsync("orders", redis.ConnectionString, b => b.AddOrders(), a => a.MapGrpcService<OrdersApi>(), settings);

    /// <summary>The configuration problems the start reports (what RunServiceAsync prints), failing if the service starts.</summary>
    private async Task<IReadOnlyList<string>> ProblemsAsync(Dictionary<string, string?> settings)
    {
        try
        {
            await using var host = await StartOrdersAsync(settings);
        }
        catch (Exception e) when (ServiceRunner.ConfigurationProblems(e) is { Count: > 0 } problems)
        {
            return problems;
        }

        throw new Xunit.Sdk.XunitException("the service started with " + string.Join(", ", settings.Select(s => $"{s.Key}='{s.Value}'")));
    }

    private string WriteFile(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
