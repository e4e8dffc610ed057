using Marketplace.Hosting;
using Microsoft.AspNetCore.Builder;

namespace Marketplace.Testing;

/// <summary>
/// One service running in-process on free loopback ports against a given Redis, built with
/// the same <see cref="MarketplaceService.Build"/> as its Program. Stopped on dispose.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private ServiceHost(WebApplication app, int grpcPort, int httpPort)
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

    public static async Task<ServiceHost> StartAsync(
        string appId,
        string redisConnectionString,
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null,
        IDictionary<string, string?>? settings = null)
    {
        int grpcPort = FreePort.Next();
        int httpPort = FreePort.Next();
        var overrides = new Dictionary<string, string?>
        {
            ["Platform:BindAddress"] = "127.0.0.1",
            ["Platform:GrpcPort"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Platform:HttpPort"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Platform:Redis"] = redisConnectionString,
            ["Platform:ShutdownTimeoutSeconds"] = "5",
            ["Identity:SigningKey"] = TestIdentity.SigningKey,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var app = MarketplaceService.Build([], appId, configure ?? (_ => { }), map ?? (_ => { }), overrides);
        await app.StartAsync();
        return new ServiceHost(app, grpcPort, httpPort);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
