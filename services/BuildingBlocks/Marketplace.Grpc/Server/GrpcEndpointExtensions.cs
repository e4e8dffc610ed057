using Grpc.Health.V1;
using Marketplace.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ProtoServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Marketplace.Grpc;

/// <summary>
/// Registration of the gRPC layer, shaped like grpc-dotnet's <c>AddGrpc()</c> /
/// <c>MapGrpcService&lt;T&gt;()</c>. In a platform service (PlatformOptions registered) the
/// endpoints answer only on the gRPC listener.
/// </summary>
public static class GrpcEndpointExtensions
{
    /// <summary>Registers the server runtime and options.</summary>
    public static IServiceCollection AddGrpcLayer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton<GrpcServerRuntime>();
        services.AddHealthChecks();
        services.TryAddSingleton(sp => new GrpcHealthService(sp.GetRequiredService<HealthCheckService>(), sp.GetRequiredService<GrpcServerRuntime>()));
        services.TryAddSingleton(sp => new GrpcReflectionService(sp.GetRequiredService<GrpcServerRuntime>()));
        services.TryAddSingleton(sp => new GrpcReflectionV1AlphaService(sp.GetRequiredService<GrpcReflectionService>()));
        return services;
    }

    /// <summary>
    /// Serves <paramref name="service"/> with <typeparamref name="TService"/> (resolved from DI when
    /// registered, else created once with its constructor dependencies). Throws at start-up when
    /// an RPC has no matching method.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService<TService>(this IEndpointRouteBuilder endpoints, ProtoServiceDescriptor service)
        where TService : class
    {
        var runtime = endpoints.ServiceProvider.GetService<GrpcServerRuntime>()
            ?? throw new InvalidOperationException("Call builder.Services.AddGrpcLayer() before mapping gRPC services.");
        var provider = endpoints.ServiceProvider;
        var instance = new Lazy<TService>(() => ActivatorUtilities.GetServiceOrCreateInstance<TService>(provider));
        var methods = ServiceBinder.Bind(service, runtime, instance);
        runtime.AddService(service);

        var group = GrpcGroup(endpoints);
        foreach (var method in methods)
        {
            group.MapPost(method.Path, method.Handle).WithDisplayName($"gRPC {method.Path}");
        }

        if (!runtime.UnimplementedMapped)
        {
            MapUnimplemented(endpoints, runtime);
            runtime.UnimplementedMapped = true;
        }

        return group;
    }

    /// <summary>Serves <c>grpc.health.v1.Health</c> (Check, Watch) from the service's readiness checks.</summary>
    public static IEndpointConventionBuilder MapGrpcHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGrpcService<GrpcHealthService>(HealthReflection.Descriptor.Services[0]);

    /// <summary>Serves server reflection, <c>grpc.reflection.v1</c> and <c>v1alpha</c>, for every mapped service.</summary>
    public static IEndpointConventionBuilder MapGrpcReflection(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<GrpcReflectionV1AlphaService>(global::Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor.Services[0]);
        return endpoints.MapGrpcService<GrpcReflectionService>(global::Grpc.Reflection.V1.ReflectionReflection.Descriptor.Services[0]);
    }

    private static RouteGroupBuilder GrpcGroup(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("");
        if (endpoints.ServiceProvider.GetService<PlatformOptions>() is { } platform)
        {
            group.RequireHost($"*:{platform.GrpcPort}");
        }

        return group;
    }

    /// <summary>
    /// Any other gRPC request on the gRPC listener is an unknown service or method: UNIMPLEMENTED.
    /// In a WebApplication this is a middleware after routing that acts only when no endpoint
    /// matched, so known methods pay nothing for it (a catch-all route would make routing build
    /// route values for every call).
    /// </summary>
    private static void MapUnimplemented(IEndpointRouteBuilder endpoints, GrpcServerRuntime runtime)
    {
        int? grpcPort = endpoints.ServiceProvider.GetService<PlatformOptions>()?.GrpcPort;
        if (endpoints is IApplicationBuilder app)
        {
            app.Use((http, next) =>
                http.GetEndpoint() is null
                && HttpMethods.IsPost(http.Request.Method)
                && GrpcProtocol.IsGrpcContentType(http.Request.ContentType)
                && (grpcPort is null || http.Connection.LocalPort == grpcPort)
                    ? Unimplemented(http, runtime)
                    : next(http));
            return;
        }

        GrpcGroup(endpoints).MapPost("/{service}/{method}", http => Unimplemented(http, runtime)).WithDisplayName("gRPC unimplemented");
    }

    private static Task Unimplemented(HttpContext http, GrpcServerRuntime runtime)
    {
        if (ServerCall.Validate(http, runtime))
        {
            ServerCall.WriteUnimplemented(http);
        }

        return Task.CompletedTask;
    }
}
