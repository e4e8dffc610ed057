using Marketplace.Testing;
using Xunit;

namespace Marketplace.Hosting.Tests;

/// <summary>The real service executable: graceful stop on SIGTERM, refusal of bad configuration.</summary>
[Collection(RedisCollection.Name)]
public sealed class ProcessLifecycleTests(RedisFixture redis)
{
    [Fact]
    public async Task Sigterm_stops_the_service_gracefully_with_exit_code_0()
    {
        await using var orders = ServiceProcess.Start("Orders", redis.ConnectionString);
        await orders.WaitUntilReadyAsync();

        orders.Signal(Signals.SigTerm);
        int exitCode = await orders.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        Assert.Contains("Application is shutting down", orders.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_setting_stops_the_service_with_a_message_naming_the_key()
    {
        await using var orders = ServiceProcess.Start("Orders", redis.ConnectionString,
            new Dictionary<string, string> { ["Platform__HttpPort"] = "not-a-port" });

        int exitCode = await orders.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exitCode);
        Assert.Contains("Platform:HttpPort must be a port number", orders.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_signing_key_stops_the_service_with_a_message_naming_the_key()
    {
        await using var orders = ServiceProcess.Start("Orders", redis.ConnectionString,
            new Dictionary<string, string> { ["Identity__SigningKey"] = "" });

        int exitCode = await orders.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exitCode);
        Assert.Contains("Identity:SigningKey must be at least 32 bytes", orders.Output, StringComparison.Ordinal);
    }
}
