using Marketplace.Testing;
using Xunit;

namespace Marketplace.Hosting.Tests;

/// <summary>
/// The real Orders executable as a child process: SIGTERM stops it gracefully with exit code 0;
/// invalid settings stop it before it listens, with exit code 2 and one line per problem naming
/// the key (what an operator reads in the pod's log).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ProcessLifecycleTests(RedisFixture redis)
{
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sigterm_stops_the_service_gracefully_with_exit_code_0()
    {
        await using var orders = ServiceProcess.Start("Orders", redis.ConnectionString);
        await orders.WaitUntilReadyAsync();

        orders.Signal(Signals.SigTerm);
        int exitCode = await orders.WaitForExitAsync(ExitLimit);

        Assert.Equal(0, exitCode);
        Assert.Contains("Application is shutting down", orders.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_bad_settings_stop_the_service_with_exit_code_2_and_one_line_per_key()
    {
        await using var orders = ServiceProcess.Start("Orders", redis.ConnectionString, new Dictionary<string, string>
        {
            ["Platform__HttpPort"] = "70000",
            ["Platform__BindAddress"] = "somewhere",
            ["Orders__TimerSweepIntervalMs"] = "1",
            ["Identity__SigningKey"] = "too-short",
        });

        int exitCode = await orders.WaitForExitAsync(ExitLimit);

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{orders.Output}");
        var lines = ProblemLines(orders.Output);
        Assert.Equal(4, lines.Count);
        Assert.Single(lines, l => l.StartsWith("Platform:HttpPort must be a port number from 1 to 65535 (got '70000')", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("Platform:BindAddress must be an IP address", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("Orders:TimerSweepIntervalMs must be a whole number of milliseconds", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("Identity:SigningKey must be at least 32 bytes", StringComparison.Ordinal));
        Assert.Contains("refusing to start, the configuration is invalid:", orders.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Platform:GrpcPort", "abc")]
    [InlineData("EventBus:ReadTimeoutMs", "soon")]
    [InlineData("Orders:TimerSweepIntervalMs", "often")]
    public async Task A_value_the_binder_cannot_convert_stops_the_service_with_exit_code_2_naming_the_key(string key, string value)
    {
        await using var orders = ServiceProcess.Start("Orders", redis.ConnectionString,
            new Dictionary<string, string> { [key.Replace(":", "__", StringComparison.Ordinal)] = value });

        int exitCode = await orders.WaitForExitAsync(ExitLimit);

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{orders.Output}");
        string line = Assert.Single(ProblemLines(orders.Output));
        Assert.Contains(key, line, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Orders")]
    [InlineData("Scoring")]
    public async Task The_simulated_clock_without_the_allow_flag_stops_the_service_with_exit_code_2_naming_the_keys(string service)
    {
        await using var process = ServiceProcess.Start(service, redis.ConnectionString,
            new Dictionary<string, string> { ["Platform__Clock"] = "Simulated" });

        int exitCode = await process.WaitForExitAsync(ExitLimit);

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{process.Output}");
        string line = Assert.Single(ProblemLines(process.Output));
        Assert.StartsWith("Platform:Clock is Simulated, which is for local runs and tests only: set Platform:AllowSimulatedClock=true", line, StringComparison.Ordinal);
        Assert.Contains("(got 'Simulated')", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_signing_key_stops_the_service_with_exit_code_2_naming_the_keys()
    {
        await using var orders = ServiceProcess.Start("Orders", redis.ConnectionString,
            new Dictionary<string, string> { ["Identity__SigningKey"] = "" });

        int exitCode = await orders.WaitForExitAsync(ExitLimit);

        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{orders.Output}");
        string line = Assert.Single(ProblemLines(orders.Output));
        Assert.StartsWith("Identity: needs exactly one of Identity:SigningKey", line, StringComparison.Ordinal);
    }

    /// <summary>The problem lines RunServiceAsync prints under its heading: <c>  - &lt;problem&gt;</c>.</summary>
    private static List<string> ProblemLines(string output) =>
        output.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => l.StartsWith("  - ", StringComparison.Ordinal))
            .Select(l => l[4..])
            .ToList();
}
