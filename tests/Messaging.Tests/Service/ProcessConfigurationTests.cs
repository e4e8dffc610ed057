using Marketplace.Testing;
using Xunit;

namespace Marketplace.Messaging.Tests.Service;

/// <summary>The real Messaging executable refuses to start with a bad policy value: exit code 2, the key named.</summary>
public sealed class ProcessConfigurationTests
{
    [Fact]
    public async Task A_bad_messaging_setting_stops_the_service_with_exit_code_2_naming_the_key()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var messaging = ServiceProcess.Start("Messaging", redis.ConnectionString,
            new Dictionary<string, string> { ["Messaging__UnresponsiveAfterHours"] = "0" });

        int exitCode = await messaging.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("Messaging:UnresponsiveAfterHours must be a number of hours greater than 0", messaging.Output, StringComparison.Ordinal);
    }
}
