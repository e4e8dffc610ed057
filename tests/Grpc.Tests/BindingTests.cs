using Marketplace.Testing.Echo.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>Binding a service class to its descriptor happens once at start-up and fails loudly.</summary>
public sealed class BindingTests
{
    [Fact]
    public void Service_missing_rpcs_fails_at_mapping_listing_each_expected_signature()
    {
        var app = NewApp();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<HalfEchoService>(EchoServer.Service));

        Assert.Contains("marketplace.testing.v1.Echo", error.Message, StringComparison.Ordinal);
        Assert.Contains("rpc ServerStream: expected public Task ServerStream(EchoRequest, IServerStreamWriter<EchoReply>, ServerCallContext)", error.Message, StringComparison.Ordinal);
        Assert.Contains("rpc ClientStream: expected public Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest>, ServerCallContext)", error.Message, StringComparison.Ordinal);
        Assert.Contains("rpc Duplex:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rpc Unary:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Method_with_the_wrong_signature_does_not_bind()
    {
        var app = NewApp();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<WrongSignatureService>(EchoServer.Service));

        Assert.Contains("rpc Unary: expected public Task<EchoReply> Unary(EchoRequest, ServerCallContext)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mapping_without_AddGrpcLayer_says_what_to_call()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var app = builder.Build();
        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<EchoService>(EchoServer.Service));

        Assert.Contains("AddGrpcLayer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mapping_a_service_twice_is_refused()
    {
        var app = NewApp();
        app.MapGrpcService<EchoService>(EchoServer.Service);

        var error = Assert.Throws<InvalidOperationException>(() => app.MapGrpcService<EchoService>(EchoServer.Service));
        Assert.Contains("mapped twice", error.Message, StringComparison.Ordinal);
    }

    private static WebApplication NewApp()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpcLayer();
        builder.Services.AddSingleton<EchoObservations>();
        return builder.Build();
    }

    private sealed class HalfEchoService
    {
        public Task<EchoReply> Unary(EchoRequest request, ServerCallContext context) => Task.FromResult(new EchoReply());
    }

    private sealed class WrongSignatureService
    {
        public EchoReply Unary(EchoRequest request, ServerCallContext context) => new();

        public Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context) => Task.CompletedTask;

        public Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context) => Task.FromResult(new EchoReply());

        public Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context) => Task.CompletedTask;
    }
}
