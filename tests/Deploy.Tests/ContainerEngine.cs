using System.Text.Json.Nodes;
using Xunit;

namespace Marketplace.Deploy.Tests;

/// <summary>
/// This checkout's Docker engine (deploy/engine.sh) and the images of the last `make images`:
/// started for the container tests if it is not running, and then stopped again by its PID. Where
/// no engine can run (no dockerd, not root), <see cref="SkipReason"/> says why and the tests skip.
/// </summary>
public sealed class ContainerEngine : IAsyncLifetime
{
    private int _startedPid;

    public string? SkipReason { get; private set; }

    public string DockerHost { get; private set; } = "";

    public JsonObject Images { get; private set; } = [];

    public string Image(string app) => (string)Images["services"]![app]!;

    public string RedisImage => (string)Images["redis"]!;

    public string ProbeImage => (string)Images["probe"]!;

    public async Task InitializeAsync()
    {
        var engine = Path.Combine(Tools.Root, "deploy", "engine.sh");
        var start = await Tools.RunAsync(engine, ["start"], TimeSpan.FromSeconds(90));
        if (start.ExitCode == 3)
        {
            SkipReason = "no Docker engine can run on this machine: " + start.Error.Trim();
            return;
        }

        Assert.True(start.ExitCode == 0, "deploy/engine.sh start failed:\n" + start.All);
        _startedPid = int.Parse(start.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        DockerHost = (await Tools.RunAsync(engine, ["host"])).Output.Trim();

        // What Testcontainers 4.16 needs against Debian's Docker 20.10 (../shared/DEPENDENCIES.md).
        Environment.SetEnvironmentVariable("DOCKER_HOST", DockerHost);
        Environment.SetEnvironmentVariable("DOCKER_API_VERSION", "1.41");
        Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        Environment.SetEnvironmentVariable("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");

        // `make test` has just built the images; a test run on its own builds them if any is missing.
        var manifest = Path.Combine(Tools.Root, ".artifacts", "images.json");
        if (!File.Exists(manifest) || !await AllPresentAsync(manifest))
        {
            var build = await Tools.RunAsync(Path.Combine(Tools.Root, "deploy", "images.sh"), [], TimeSpan.FromMinutes(15));
            Assert.True(build.ExitCode == 0, "deploy/images.sh failed:\n" + build.All);
        }

        Images = JsonNode.Parse(await File.ReadAllTextAsync(manifest))!.AsObject();
    }

    /// <summary>Runs the docker client against this engine.</summary>
    public Task<CommandResult> DockerAsync(params string[] arguments) =>
        Tools.RunAsync(File.Exists("/usr/bin/docker") ? "/usr/bin/docker" : "docker", arguments, TimeSpan.FromMinutes(3),
            new Dictionary<string, string> { ["DOCKER_HOST"] = DockerHost, ["DOCKER_API_VERSION"] = "1.41" });

    private async Task<bool> AllPresentAsync(string manifest)
    {
        var images = JsonNode.Parse(await File.ReadAllTextAsync(manifest))!;
        var refs = images["services"]!.AsObject().Select(s => (string)s.Value!).Append((string)images["redis"]!).Append((string)images["probe"]!);
        foreach (var image in refs)
        {
            if ((await DockerAsync("image", "inspect", image)).ExitCode != 0)
            {
                return false;
            }
        }

        return true;
    }

    public async Task DisposeAsync()
    {
        if (_startedPid != 0)
        {
            await Tools.RunAsync(Path.Combine(Tools.Root, "deploy", "engine.sh"), ["stop", _startedPid.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ContainerCollection : ICollectionFixture<ContainerEngine>
{
    public const string Name = "containers";
}
