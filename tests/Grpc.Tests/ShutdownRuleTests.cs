using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Marketplace.Grpc.Tests;

/// <summary>
/// The request checks every call passes, applied to a request in hand: deterministic where a
/// live server's shutdown would race Kestrel closing its listener.
/// </summary>
public sealed class ShutdownRuleTests
{
    [Fact]
    public void New_call_during_shutdown_is_UNAVAILABLE_trailers_only()
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var runtime = new GrpcServerRuntime(Options.Create(new GrpcServerOptions()), NullLoggerFactory.Instance, lifetime);
        var http = GrpcRequest();
        Assert.True(ServerCall.Validate(http, runtime));

        lifetime.StopApplication();
        http = GrpcRequest();

        Assert.False(ServerCall.Validate(http, runtime));
        Assert.Equal(200, http.Response.StatusCode);
        Assert.Equal("14", http.Response.Headers.GrpcStatus.ToString());
    }

    private static DefaultHttpContext GrpcRequest()
    {
        var http = new DefaultHttpContext();
        http.Request.Protocol = "HTTP/2";
        http.Request.Method = "POST";
        http.Request.ContentType = "application/grpc";
        return http;
    }
}
