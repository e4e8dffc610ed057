using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>Server reflection through our own client: what grpcurl list/describe rely on.</summary>
public sealed class ReflectionTests(EchoServerFixture fixture) : IClassFixture<EchoServerFixture>
{
    private static readonly MethodDescriptor Info = ReflectionReflection.Descriptor.Services[0].FindMethodByName("ServerReflectionInfo");

    [Fact]
    public async Task List_services_names_every_mapped_service()
    {
        var response = await AskAsync(new ServerReflectionRequest { ListServices = "" });

        Assert.Equal(
            new[] { "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "marketplace.testing.v1.Echo" },
            response.ListServicesResponse.Service.Select(s => s.Name));
    }

    [Theory]
    [InlineData("marketplace.testing.v1.Echo")]
    [InlineData("marketplace.testing.v1.Echo.Duplex")]
    [InlineData("marketplace.testing.v1.EchoReply")]
    public async Task File_containing_symbol_returns_the_file_and_its_imports(string symbol)
    {
        var response = await AskAsync(new ServerReflectionRequest { FileContainingSymbol = symbol });
        var files = response.FileDescriptorResponse.FileDescriptorProto.Select(bytes => FileDescriptorProto.Parser.ParseFrom(bytes)).ToList();

        Assert.Equal("echo.proto", files[0].Name);
        Assert.Contains("google/protobuf/duration.proto", files.Select(f => f.Name));
        Assert.Equal(["Unary", "ServerStream", "ClientStream", "Duplex"], files[0].Service.Single().Method.Select(m => m.Name));
    }

    [Fact]
    public async Task File_by_filename_returns_that_file()
    {
        var response = await AskAsync(new ServerReflectionRequest { FileByFilename = "grpc/health/v1/health.proto" });
        var file = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);

        Assert.Equal("grpc.health.v1", file.Package);
        Assert.Equal("Health", file.Service.Single().Name);
    }

    [Fact]
    public async Task File_by_filename_returns_the_file_with_its_transitive_dependencies()
    {
        var response = await AskAsync(new ServerReflectionRequest { FileByFilename = "echo.proto" });
        var names = response.FileDescriptorResponse.FileDescriptorProto.Select(bytes => FileDescriptorProto.Parser.ParseFrom(bytes).Name).ToList();

        Assert.Equal("echo.proto", names[0]);
        Assert.Contains("google/protobuf/duration.proto", names);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Theory]
    [InlineData("marketplace.testing.v1.Nope")]
    [InlineData("")]
    public async Task Unknown_symbol_is_error_5(string symbol)
    {
        var response = await AskAsync(new ServerReflectionRequest { FileContainingSymbol = symbol });

        Assert.Equal((int)StatusCode.NotFound, response.ErrorResponse.ErrorCode);
    }

    [Fact]
    public async Task Unsupported_request_is_error_12()
    {
        var response = await AskAsync(new ServerReflectionRequest { AllExtensionNumbersOfType = "marketplace.testing.v1.EchoRequest" });

        Assert.Equal((int)StatusCode.Unimplemented, response.ErrorResponse.ErrorCode);
    }

    [Fact]
    public async Task Several_requests_on_one_stream_are_answered_in_order()
    {
        using var call = fixture.Channel.DuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>(Info);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileByFilename = "echo.proto" });
        await call.RequestStream.CompleteAsync();

        var responses = new List<ServerReflectionResponse>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            responses.Add(response);
        }

        Assert.Equal(
            [ServerReflectionResponse.MessageResponseOneofCase.ListServicesResponse, ServerReflectionResponse.MessageResponseOneofCase.FileDescriptorResponse],
            responses.Select(r => r.MessageResponseCase));
        Assert.Equal("echo.proto", responses[1].OriginalRequest.FileByFilename);
    }

    private async Task<ServerReflectionResponse> AskAsync(ServerReflectionRequest request)
    {
        using var call = fixture.Channel.DuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>(Info);
        await call.RequestStream.WriteAsync(request);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var response = call.ResponseStream.Current;
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
        return response;
    }
}
