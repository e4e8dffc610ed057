using Grpc.Core;
using Marketplace.Clients;
using Marketplace.Hosting;
using Marketplace.Platform;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Marketplace.Testing;

/// <summary>
/// One service running in-process on free loopback ports against a given Redis, put together
/// as its Program.cs does (<c>AddServiceDefaults</c> + the service's parts, <c>MapServiceDefaults</c>
/// + its gRPC service), with the test's settings applied last. Stopped on dispose.
/// </summary>
public sealed class ServiceHost : IAsyncDisposable
{
    private readonly Lazy<TypedClients> _clients;

    private ServiceHost(WebApplication app, int grpcPort, int httpPort)
    {
        App = app;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        _clients = new Lazy<TypedClients>(() =>
        {
            var address = GrpcAddress;
            return TypedClients.For(new PlatformTargets(address, address, address, address));
        });
    }

    public WebApplication App { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public Uri GrpcAddress => new($"http://127.0.0.1:{GrpcPort}");

    public Uri HttpAddress => new($"http://127.0.0.1:{HttpPort}");

    public IServiceProvider Services => App.Services;

    /// <summary>A typed client of this host (generated from protos/, built through the client factory).</summary>
    public TClient Client<TClient>()
        where TClient : ClientBase => _clients.Value.Get<TClient>();

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

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(overrides);
        builder.AddServiceDefaults(appId);
        configure?.Invoke(builder);
        var app = builder.Build();
        try
        {
            app.MapServiceDefaults();
            map?.Invoke(app);
            app.ValidateSettings(); // as RunServiceAsync does
            await app.StartAsync();
        }
        catch
        {
            // A host that refused to start (e.g. invalid settings) releases what it built.
            await app.DisposeAsync();
            throw;
        }

        return new ServiceHost(app, grpcPort, httpPort);
    }

    public async ValueTask DisposeAsync()
    {
        if (_clients.IsValueCreated)
        {
            _clients.Value.Dispose();
        }

        await App.StopAsync();
        await App.DisposeAsync();
    }
}
