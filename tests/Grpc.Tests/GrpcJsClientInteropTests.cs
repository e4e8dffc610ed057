using System.Text.Json;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>Runs tests/interop/client.js (@grpc/grpc-js) once against our server; each scenario is a test.</summary>
public sealed class GrpcJsClientFixture : IAsyncLifetime
{
    public EchoServer Server { get; private set; } = null!;

    public JsonElement Results { get; private set; }

    public int ExitCode { get; private set; }

    public string Output { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Server = await EchoServer.StartAsync();
        await using var node = NodeProcess.Start("client.js", Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ExitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Output = node.Stdout + node.Stderr;
        string json = node.Stdout.Split('\n').Last(l => l.TrimStart().StartsWith('{'));
        Results = JsonDocument.Parse(json).RootElement;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>An independent client (@grpc/grpc-js) against our server.</summary>
public sealed class GrpcJsClientInteropTests(GrpcJsClientFixture fixture) : IClassFixture<GrpcJsClientFixture>
{
    [Theory]
    [InlineData("unary")]
    [InlineData("serverStream")]
    [InlineData("clientStream")]
    [InlineData("duplex")]
    [InlineData("metadata")]
    [InlineData("deadline")]
    [InlineData("cancel")]
    [InlineData("largeMessages")]
    [InlineData("oversize")]
    [InlineData("nonAsciiError")]
    [InlineData("unhandledException")]
    [InlineData("unimplemented")]
    [InlineData("concurrent")]
    [InlineData("health")]
    public void Scenario_passes(string scenario)
    {
        Assert.True(fixture.Results.TryGetProperty(scenario, out var result), $"client.js did not run '{scenario}': {fixture.Output}");
        Assert.True(result.GetProperty("ok").GetBoolean(), $"{scenario}: {result.GetProperty("detail").GetString()}");
    }

    [Fact]
    public void Client_exits_zero_when_every_scenario_passed() => Assert.Equal(0, fixture.ExitCode);

    [Fact]
    public async Task Our_server_saw_the_grpc_js_deadline_and_cancellation()
    {
        Assert.True(await fixture.Server.Observations.WaitForAsync("deadline-set:deadline-node"), "grpc-js's grpc-timeout did not reach the handler");
        Assert.True(await fixture.Server.Observations.WaitForAsync("ended:deadline-node"), "deadline not seen by the handler");
        Assert.True(await fixture.Server.Observations.WaitForAsync("ended:cancel-node"), "cancellation not seen by the handler");
        Assert.False(fixture.Server.Observations.Seen("deadline-set:cancel-node"));
    }
}
