using System.Text.Json;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>An independent reflection client (grpc-js-reflection-client) lists our services and resolves a method, in v1 and v1alpha.</summary>
public sealed class ReflectionInteropTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    [Fact]
    public async Task Reflection_client_lists_services_and_resolves_a_method_descriptor()
    {
        await using var node = NodeProcess.Start("reflection.js", fixture.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        int exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"reflection.js failed: {node.Stdout} {node.Stderr}");

        var result = JsonDocument.Parse(node.Stdout.Split('\n').Last(l => l.TrimStart().StartsWith('{'))).RootElement;
        foreach (string version in new[] { "v1", "v1alpha" })
        {
            var probe = result.GetProperty(version);
            var services = probe.GetProperty("services").EnumerateArray().Select(s => s.GetString()).ToList();
            Assert.Contains("marketplace.testing.v1.Echo", services);
            Assert.Contains("grpc.health.v1.Health", services);
            Assert.Contains("grpc.reflection.v1.ServerReflection", services);
            Assert.Equal(
                new[] { "ClientStream", "Duplex", "ServerStream", "Unary" },
                probe.GetProperty("methods").EnumerateArray().Select(m => m.GetString()).Order());
            Assert.Equal("/marketplace.testing.v1.Echo/Unary", probe.GetProperty("unaryPath").GetString());
            Assert.Equal("EchoRequest", probe.GetProperty("unaryRequestType").GetString());
            Assert.Contains("elapsed", probe.GetProperty("unaryResponseFields").EnumerateArray().Select(f => f.GetString()));
            Assert.Equal("/grpc.health.v1.Health/Check", probe.GetProperty("healthCheckPath").GetString());
            Assert.NotEqual(JsonValueKind.Null, probe.GetProperty("unknownSymbol").ValueKind);
        }
    }
}
