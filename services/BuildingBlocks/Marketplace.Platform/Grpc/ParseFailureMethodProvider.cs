using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Marketplace.Platform.Grpc;

/// <summary>
/// Binds every gRPC service's methods as Grpc.AspNetCore's own binder does (the generated
/// <c>BindService</c>, the service's overrides, class then method attributes as endpoint metadata),
/// with one difference: a request message that does not parse ends with INTERNAL naming the message
/// (GRPC.md, "malformed frame or message that does not parse"). Grpc.AspNetCore parses the request
/// before any interceptor runs and reports a parse failure like a handler's exception, UNKNOWN, which
/// a client or a retry policy cannot tell from a bug. Grpc.AspNetCore has no option for it; its binder
/// is internal, so this replaces it through the public <see cref="IServiceMethodProvider{TService}"/>
/// extension point, and only the request marshaller differs.
/// </summary>
public static class ParseFailureAsInternal
{
    /// <summary>Replaces Grpc.AspNetCore's binder (its default <see cref="IServiceMethodProvider{TService}"/>) with <see cref="ParseFailureMethodProvider{TService}"/>.</summary>
    public static IServiceCollection AddParseFailureAsInternal(this IServiceCollection services)
    {
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(ParseFailureMethodProvider<>)));
        return services;
    }
}

/// <summary>Grpc.AspNetCore's binding of one service, with parse failures as INTERNAL (<see cref="ParseFailureAsInternal"/>).</summary>
public sealed class ParseFailureMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        if (FindBindService() is { } bind)
        {
            bind.Invoke(null, [new Binder(context), null]);
        }
    }

    /// <summary>The generated <c>BindService(ServiceBinderBase, TBase)</c> named by <see cref="BindServiceMethodAttribute"/> on the service's base.</summary>
    private static MethodInfo? FindBindService()
    {
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } bind)
            {
                return bind.BindType.GetMethods(BindingFlags.Public | BindingFlags.Static).SingleOrDefault(m =>
                    m.Name == bind.BindMethodName
                    && m.GetParameters() is [{ } first, { } second]
                    && first.ParameterType == typeof(ServiceBinderBase)
                    && second.ParameterType.IsAssignableFrom(typeof(TService)));
            }
        }

        return null;
    }

    /// <summary>The method the service implements it with (its override, or the generated base's UNIMPLEMENTED one).</summary>
    private static MethodInfo Handler(string name, params Type[] parameters)
    {
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            var method = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly, parameters);
            if (method is not null)
            {
                return method;
            }
        }

        throw new InvalidOperationException($"{typeof(TService).Name} has no method {name}");
    }

    /// <summary>Endpoint metadata: the service's attributes, then the method's, so the method's take precedence.</summary>
    private static List<object> Metadata(MethodInfo handler) =>
        [.. typeof(TService).GetCustomAttributes(inherit: true), .. handler.GetCustomAttributes(inherit: true)];

    private static Method<TRequest, TResponse> WithParseFailureAsInternal<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var deserialize = method.RequestMarshaller.ContextualDeserializer;
        var requestMarshaller = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try
            {
                return deserialize(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"the request is not a valid {typeof(TRequest).Name}: {e.Message}"));
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requestMarshaller, method.ResponseMarshaller);
    }

    private static TDelegate Invoker<TDelegate>(MethodInfo handler)
        where TDelegate : Delegate => handler.CreateDelegate<TDelegate>();

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var implementation = Handler(method.Name, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(WithParseFailureAsInternal(method), Metadata(implementation),
                Invoker<UnaryServerMethod<TService, TRequest, TResponse>>(implementation));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var implementation = Handler(method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(WithParseFailureAsInternal(method), Metadata(implementation),
                Invoker<ServerStreamingServerMethod<TService, TRequest, TResponse>>(implementation));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var implementation = Handler(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(WithParseFailureAsInternal(method), Metadata(implementation),
                Invoker<ClientStreamingServerMethod<TService, TRequest, TResponse>>(implementation));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var implementation = Handler(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(WithParseFailureAsInternal(method), Metadata(implementation),
                Invoker<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(implementation));
        }
    }
}
