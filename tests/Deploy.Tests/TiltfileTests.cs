using Xunit;
using Xunit.Abstractions;

namespace Marketplace.Deploy.Tests;

/// <summary>
/// tilt/Tiltfile cannot run here (no cluster, no Tilt): tests/deploy-tools/tiltcheck.py executes it
/// with stand-ins for Tilt's builtins (helm() renders the real chart) and checks what it declares.
/// </summary>
public sealed class TiltfileTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_Tiltfile_builds_the_four_images_deploys_the_chart_and_forwards_the_gRPC_ports()
    {
        var result = await CheckAsync(Path.Combine(Tools.Root, "tilt", "Tiltfile"));
        output.WriteLine(result.All);
        Assert.True(result.ExitCode == 0, result.All);
        foreach (var (app, port) in new[] { ("orders", 7101), ("reviews", 7102), ("messaging", 7103), ("scoring", 7104) })
        {
            Assert.Contains($"\"marketplace/{app}\"", result.Output, StringComparison.Ordinal);
            Assert.Contains($"\"marketplace-{app}\": [\n      {port}\n    ]", result.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("prefix + '-' + app,", "prefix + '-svc-' + app,", "names no rendered workload")]
    [InlineData("port_forward(grpc_port, 5000, name='grpc')", "port_forward(grpc_port, 5001, name='grpc')", "which no container opens")]
    [InlineData("'FILES_OWNER': '1654:1654'", "'FILE_OWNER': '1654:1654'", "not declared")]
    [InlineData("k8s_yaml(manifests)", "k8s_yaml(rendered)", "helm test pod")]
    public async Task The_check_fails_for_a_broken_Tiltfile(string original, string broken, string problem)
    {
        var source = await File.ReadAllTextAsync(Path.Combine(Tools.Root, "tilt", "Tiltfile"));
        Assert.Contains(original, source, StringComparison.Ordinal);
        var copy = Path.Combine(Tools.Root, "tilt", $"Tiltfile.broken-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(copy, source.Replace(original, broken, StringComparison.Ordinal));
        try
        {
            var result = await CheckAsync(copy);
            output.WriteLine(result.All);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains(problem, result.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    private static Task<CommandResult> CheckAsync(string tiltfile) =>
        Tools.RunAsync("python3", [Path.Combine(Tools.DeployTools, "tiltcheck.py"), tiltfile, Tools.Helm], TimeSpan.FromMinutes(2));
}
