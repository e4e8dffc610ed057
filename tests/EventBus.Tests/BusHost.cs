using System.Globalization;
using Marketplace.Hosting;
using Marketplace.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Marketplace.EventBus.Tests;

/// <summary>
/// An app with the event bus alone, in-process on free loopback ports: the hosting defaults
/// (settings, listeners, telemetry, Redis, identity) and the test's own bus registration, as
/// <c>tests/EventBus.ChildConsumer</c>'s Program has them. (<see cref="ServiceHost"/> builds a
/// platform service, whose defaults already add the bus with the platform's catalogue.)
/// </summary>
internal sealed class BusHost : IAsyncDisposable
{
    private BusHost(WebApplication app, int grpcPort, int httpPort)
    {
        App = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
    }

    public WebApplication App { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public Uri GrpcAddress => new($"http://127.0.0.1:{GrpcPort}");

    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}");

    public IServiceProvider Services => App.Services;

    public static async Task<BusHost> StartAsync(
        string appId,
        string redisConnectionString,
        Action<WebApplicationBuilder> configure,
        Action<WebApplication> map,
        IDictionary<string, string?>? settings = null)
    {
        int grpcPort = FreePort.Next();
        int httpPort = FreePort.Next();
        var overrides = new Dictionary<string, string?>
        {
            ["Platform:BindAddress"] = "127.0.0.1",
            ["Platform:GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture),
            ["Platform:HttpPort"] = httpPort.ToString(CultureInfo.InvariantCulture),
            ["Platform:Redis"] = redisConnectionString,
            ["Platform:ShutdownTimeoutSeconds"] = "5",
            ["Identity:SigningKey"] = TestIdentity.SigningKey,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(overrides);
        builder.AddHostingDefaults(appId);
        configure(builder);
        var app = builder.Build();
        app.MapHostingDefaults(_ => false);
        map(app);
        await app.StartAsync();
        return new BusHost(app, grpcPort, httpPort);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
