using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Marketplace.Hosting.Identity;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Interop.Tests;

/// <summary>
/// An independent reflection client (grpc-js-reflection-client, tests/interop/reflection.js)
/// lists and describes every service, in both protocol versions, as <c>grpcurl list/describe</c>
/// would, and calls it with a client built from nothing but what reflection returned.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ReflectionTests(PlatformFixture platform)
{
    /// <summary>The request as JSON with the .proto field names, as the reflected descriptors name them.</summary>
    private static readonly JsonFormatter ProtoFieldNames = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    public static TheoryData<string, string> ServicesAndVersions
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var service in PlatformServices.All)
            {
                data.Add(service.Name, "v1");
                data.Add(service.Name, "v1alpha");
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ServicesAndVersions))]
    public async Task Reflection_lists_and_describes_the_service_and_its_descriptors_are_enough_to_call_it(string name, string version)
    {
        var service = PlatformServices.Named(name);

        var result = await NodeScripts.RunAsync("reflection.js", new
        {
            port = platform[name].GrpcPort,
            version,
            serviceName = service.Descriptor.FullName,
            protoFile = service.ProtoFile,
            token = TestIdentity.Bearer("reflection-client", CallerRole.Internal),
            probe = new { method = service.ProbeMethod.Name, request = JsonDocument.Parse(ProtoFieldNames.Format(service.ProbeRead)).RootElement },
        });

        var services = result.GetProperty("services").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains(service.Descriptor.FullName, services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.Contains("grpc.reflection.v1.ServerReflection", services);

        var methods = result.GetProperty("methods").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
        Assert.Equal(service.Descriptor.Methods.Select(m => m.Name).Order(), methods.Keys.Order());
        foreach (var method in service.Descriptor.Methods)
        {
            var described = methods[method.Name];
            Assert.Equal($"/{service.Descriptor.FullName}/{method.Name}", described.GetProperty("path").GetString());
            Assert.Equal(method.InputType.Name, described.GetProperty("requestType").GetString());
            Assert.Equal(method.OutputType.Name, described.GetProperty("responseType").GetString());
            Assert.Equal(method.InputType.Fields.InDeclarationOrder().Select(f => f.Name), described.GetProperty("requestFields").EnumerateArray().Select(f => f.GetString()));
            Assert.Equal(method.IsClientStreaming, described.GetProperty("clientStreaming").GetBoolean());
            Assert.Equal(method.IsServerStreaming, described.GetProperty("serverStreaming").GetBoolean());
        }

        var byFile = result.GetProperty("byFile");
        Assert.True(byFile.GetProperty("ok").GetBoolean(), $"file_by_filename {service.ProtoFile}: {byFile}");
        Assert.Equal("service found", byFile.GetProperty("value").GetString());

        var unknown = result.GetProperty("unknownSymbol");
        Assert.False(unknown.GetProperty("ok").GetBoolean(), "an unknown symbol was resolved");

        var call = new JsCall(result.GetProperty("call"));
        Assert.True(call.Code == (int)StatusCode.NotFound, $"call through reflected descriptors: {call}");
        Assert.Contains(PlatformServices.UnknownId, call.Details, StringComparison.Ordinal);
    }
}
