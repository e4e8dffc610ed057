using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace Marketplace.Deploy.Tests;

/// <summary>What the service images are made of: non-root, no HEALTHCHECK, OCI labels, no SDK or source.</summary>
[Collection(ContainerCollection.Name)]
public sealed class ImageTests(ContainerEngine engine, ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("orders")]
    [InlineData("reviews")]
    [InlineData("messaging")]
    [InlineData("scoring")]
    public async Task The_image_runs_as_a_non_root_user_with_OCI_labels_and_no_healthcheck(string app)
    {
        Skip.If(engine.SkipReason is not null, engine.SkipReason);
        var inspect = JsonNode.Parse((await engine.DockerAsync("image", "inspect", engine.Image(app))).Output)![0]!;
        var config = inspect["Config"]!;
        output.WriteLine(ChartTests.Json(config));
        Assert.Equal("1654:1654", (string?)config["User"]);
        Assert.Null(config["Healthcheck"]);
        var labels = config["Labels"]!;
        Assert.Equal((string?)engine.Images["version"], (string?)labels["org.opencontainers.image.version"]);
        Assert.Equal((string?)engine.Images["revision"], (string?)labels["org.opencontainers.image.revision"]);
        Assert.False(string.IsNullOrEmpty((string?)labels["org.opencontainers.image.source"]));
        Assert.Equal((string?)engine.Images["base"], (string?)labels["org.opencontainers.image.base.name"]);
        Assert.Equal(["/app/entrypoint"], config["Entrypoint"]!.AsArray().Select(e => (string?)e));
        Assert.Contains("5000/tcp", config["ExposedPorts"]!.AsObject().Select(p => p.Key));
        Assert.Contains("8080/tcp", config["ExposedPorts"]!.AsObject().Select(p => p.Key));
    }

    [SkippableFact]
    public async Task The_image_holds_the_published_app_on_the_base_and_no_SDK_source_or_shell()
    {
        Skip.If(engine.SkipReason is not null, engine.SkipReason);
        var created = await engine.DockerAsync("create", engine.Image("scoring"));
        Assert.True(created.ExitCode == 0, created.All);
        var id = created.Output.Trim();
        try
        {
            var tar = Path.Combine(Path.GetTempPath(), $"marketplace-image-{id}.tar");
            Assert.Equal(0, (await engine.DockerAsync("export", "--output", tar, id)).ExitCode);
            var listing = await Tools.RunAsync("tar", ["-tf", tar]);
            File.Delete(tar);
            var files = listing.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            output.WriteLine($"{files.Length} entries");
            Assert.Contains("app/entrypoint", files);
            Assert.Contains("app/Marketplace.Scoring.dll", files);
            Assert.Contains("app/libcoreclr.so", files); // self-contained: the runtime is in the app
            Assert.Contains("etc/ssl/certs/ca-certificates.crt", files);
            Assert.DoesNotContain(files, f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal));
            Assert.DoesNotContain(files, f => f.Contains("/sdk/", StringComparison.Ordinal) || f.EndsWith("/dotnet", StringComparison.Ordinal));
            Assert.DoesNotContain(files, f => f is "bin/sh" or "usr/bin/sh" or "bin/bash" or "usr/bin/bash");
            Assert.DoesNotContain("app/appsettings.Development.json", files);
        }
        finally
        {
            await engine.DockerAsync("rm", id);
        }
    }
}
