using System.Text.Json.Nodes;
using Marketplace.Contracts.Scoring.V1;
using Marketplace.EndToEnd.Tests;
using Marketplace.Hosting.Identity;
using Marketplace.Scenario;
using Marketplace.Testing;
using Xunit;
using Xunit.Abstractions;
using GigScore = Marketplace.Contracts.Scoring.V1.GigScore;
using SellerScore = Marketplace.Contracts.Scoring.V1.SellerScore;

namespace Marketplace.Deploy.Tests;

/// <summary>
/// The images run: Redis and the four services as containers (ContainerPlatform), the walking
/// skeleton driven through them to the scores the engine computes from the same facts (as the
/// process-based end-to-end tests), the chart's `helm test` script against them, and a service
/// stopped with SIGTERM.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed class ContainerSmokeTests(ContainerEngine engine, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task The_scenario_on_the_images_gives_the_engine_s_scores_and_helm_test_passes()
    {
        Skip.If(engine.SkipReason is not null, engine.SkipReason);
        await using var platform = await ContainerPlatform.StartAsync(engine);
        foreach (var service in platform.Services.Values)
        {
            var inspect = JsonNode.Parse((await engine.DockerAsync("inspect", service.Container.Id)).Output)![0]!;
            output.WriteLine($"{service.App}: {inspect["Config"]!["Image"]}, user {inspect["Config"]!["User"]}, read-only {inspect["HostConfig"]!["ReadonlyRootfs"]}, ready on grpc {service.GrpcPort} / http {service.HttpPort}");
            Assert.Equal("1654:1654", (string?)inspect["Config"]!["User"]);
            Assert.True((bool)inspect["HostConfig"]!["ReadonlyRootfs"]!);
            Assert.Equal("host", (string?)inspect["HostConfig"]!["NetworkMode"]);
        }

        using var client = new PlatformClient(platform.Targets, TestIdentity.SigningKey);
        var scenario = new WalkingSkeleton(client, "containers");
        await scenario.RunAsync();
        await new PlatformProbe(platform.Db).WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(120));

        var oracle = await EngineOracle.ReadAsync(client, scenario);
        var means = oracle.PriorMeans;
        var expected = oracle.GigScores(means);
        Assert.NotEmpty(expected);
        foreach (var (gigId, want) in expected)
        {
            var got = await client.Scoring.GetGigScoreAsync(new GetGigScoreRequest { GigId = gigId },
                PlatformClient.As(client.Bearer(oracle.SellerOf[gigId], CallerRole.Seller)));
            output.WriteLine($"{gigId}: {got.SuccessScore} (engine {want.Score}), quality {got.Quality:0.0000}, {got.ScoredOrders} orders");
            Assert.Equal(want.HasScore, got.HasScore);
            Assert.Equal(want.Score ?? 0, got.SuccessScore);
            Assert.Equal(want.Quality.Quality, got.Quality);
            Assert.Equal(want.ScoredOrders, got.ScoredOrders);
        }

        foreach (var sellerId in oracle.SellerOf.Values.Distinct())
        {
            var want = oracle.SellerScore(sellerId, means);
            var got = await client.Scoring.GetSellerScoreAsync(
                new GetSellerScoreRequest { SellerId = sellerId }, PlatformClient.As(client.Bearer(sellerId, CallerRole.Seller)));
            Assert.Equal(want.Score ?? 0, got.SuccessScore);
            Assert.Equal(want.ScoredOrders, got.ScoredOrders);
        }

        // The chart's helm test pod, its script and command as rendered, run from the local
        // curl image against the running services: all SERVING; a dead port fails it.
        var targets = string.Join(' ', platform.Services.Values.Select(s => $"{s.App}=127.0.0.1:{s.GrpcPort}"));
        var pass = await RunHelmTestAsync(targets);
        output.WriteLine(pass.All);
        Assert.True(pass.ExitCode == 0, pass.All);
        foreach (var app in ContainerPlatform.Apps)
        {
            Assert.Contains($"{app} (127.0.0.1:{platform.Services[app].GrpcPort}): SERVING", pass.Output, StringComparison.Ordinal);
        }

        var fail = await RunHelmTestAsync($"{targets} nobody=127.0.0.1:{FreePort.Next()}");
        output.WriteLine(fail.All);
        Assert.NotEqual(0, fail.ExitCode);
        Assert.Contains("nobody (127.0.0.1:", fail.Output, StringComparison.Ordinal);
        Assert.Contains("not serving", fail.Output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_service_container_stopped_with_SIGTERM_drains_and_exits_0()
    {
        Skip.If(engine.SkipReason is not null, engine.SkipReason);
        await using var platform = await ContainerPlatform.StartAsync(engine, "orders");
        var orders = platform.Services["orders"];

        Assert.Equal(0, (await engine.DockerAsync("kill", "--signal", "TERM", orders.Container.Id)).ExitCode);
        var wait = await engine.DockerAsync("wait", orders.Container.Id);
        var (stdout, stderr) = await orders.Container.GetLogsAsync();
        output.WriteLine(stdout + stderr);
        Assert.Equal("0", wait.Output.Trim());
        Assert.Contains("Application is shutting down", stdout + stderr, StringComparison.Ordinal);
        var state = JsonNode.Parse((await engine.DockerAsync("inspect", orders.Container.Id)).Output)![0]!["State"]!;
        Assert.False((bool)state["OOMKilled"]!);
        Assert.Equal(0, (int)state["ExitCode"]!);
    }

    private async Task<CommandResult> RunHelmTestAsync(string targets)
    {
        var render = await Render.TemplateAsync();
        var pod = render.Single("Pod", $"{Render.Release}-marketplace-test-grpc-health");
        var container = pod["spec"]!["containers"]![0]!;
        var command = container["command"]!.AsArray().Select(c => (string)c!);
        var arguments = container["args"]!.AsArray().Select(c => (string)c!);
        return await engine.DockerAsync(["run", "--rm", "--network", "host", "--read-only", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", "--env", $"TARGETS={targets}", "--entrypoint", command.First(),
            engine.ProbeImage, .. command.Skip(1), .. arguments]);
    }
}
