using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Marketplace.Clients;

/// <summary>
/// The typed clients of a caller without a DI container of its own (tools, tests, benchmarks),
/// built through the client factory exactly as a back end's container would build them.
/// Disposing it releases their connections.
/// </summary>
public sealed class TypedClients : IDisposable
{
    private readonly ServiceProvider _provider;

    private TypedClients(IServiceCollection services) => _provider = services.BuildServiceProvider();

    /// <summary>The four services' clients.</summary>
    public static TypedClients For(PlatformTargets targets, TimeSpan? timeout = null) =>
        new(new ServiceCollection().AddPlatformClients(targets, timeout));

    /// <summary>One service's client at <paramref name="address"/>.</summary>
    public static TypedClients For<TClient>(Uri address, TimeSpan? timeout = null)
        where TClient : ClientBase
    {
        var services = new ServiceCollection();
        services.AddPlatformClient<TClient>(address, timeout);
        return new TypedClients(services);
    }

    public TClient Get<TClient>()
        where TClient : ClientBase => _provider.GetRequiredService<TClient>();

    public void Dispose() => _provider.Dispose();
}
