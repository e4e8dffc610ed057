using System.Net;
using Marketplace.Hosting;
using Marketplace.Testing;
using Marketplace.Testing.Echo.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Marketplace.Grpc.Tests;

/// <summary>
/// The echo service, health and reflection on our gRPC layer, in-process on Kestrel: an
/// HTTP/2-only listener (as the platform's gRPC port) and an HTTP/1.1 listener (to show what
/// an HTTP/1.1 request gets). Readiness is a switch the tests flip.
/// </summary>
public sealed class EchoServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoServer(WebApplication app, int port, int http1Port)
    {
        _app = app;
        Port = port;
        Http1Port = http1Port;
    }

    public int Port { get; }

    public int Http1Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public bool Ready { get; set; } = true;

    public EchoObservations Observations => _app.Services.GetRequiredService<EchoObservations>();

    public static Google.Protobuf.Reflection.ServiceDescriptor Service => EchoReflection.Descriptor.Services[0];

    public static async Task<EchoServer> StartAsync(Action<GrpcServerOptions>? configure = null)
    {
        int port = FreePort.Next();
        int http1Port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, http1Port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddGrpcLayer(options =>
        {
            options.HealthWatchInterval = TimeSpan.FromMilliseconds(100);
            configure?.Invoke(options);
        });
        builder.Services.AddSingleton<EchoObservations>();
        EchoServer? server = null;
        builder.Services.AddHealthChecks().AddCheck(
            "switch",
            () => server!.Ready ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("switched off"),
            tags: [MarketplaceService.ReadyTag]);

        var app = builder.Build();
        app.MapGrpcService<EchoService>(Service);
        app.MapGrpcHealth();
        app.MapGrpcReflection();
        server = new EchoServer(app, port, http1Port);
        await app.StartAsync();
        return server;
    }

    /// <summary>Starts the graceful shutdown without waiting for it (new calls then get UNAVAILABLE).</summary>
    public void BeginShutdown() => _app.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().StopApplication();

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
