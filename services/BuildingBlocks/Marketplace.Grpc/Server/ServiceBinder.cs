using System.Reflection;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http;

namespace Marketplace.Grpc;

/// <summary>
/// Binds a protobuf <see cref="ServiceDescriptor"/> to a plain implementation class whose public
/// methods carry the RPC names and grpc-dotnet signatures. Runs once at start-up and fails
/// with every missing or mis-typed method listed.
/// </summary>
internal static class ServiceBinder
{
    /// <summary>One bound RPC: its HTTP path and the request delegate serving it.</summary>
    public sealed record BoundMethod(string Path, RequestDelegate Handle);

    public static IReadOnlyList<BoundMethod> Bind<TService>(ServiceDescriptor service, GrpcServerRuntime runtime, Lazy<TService> instance)
        where TService : class
    {
        var bound = new List<BoundMethod>();
        var problems = new List<string>();
        foreach (var method in service.Methods)
        {
            var expected = ExpectedSignature(method);
            var match = typeof(TService)
                .GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .FirstOrDefault(m => m.Name == method.Name
                    && m.ReturnType == expected.Return
                    && m.GetParameters().Select(p => p.ParameterType).SequenceEqual(expected.Parameters));
            if (match is null)
            {
                problems.Add($"  rpc {method.Name}: expected public {Describe(expected.Return)} {method.Name}({string.Join(", ", expected.Parameters.Select(Describe))})");
                continue;
            }

            string path = $"/{service.FullName}/{method.Name}";
            var handlerType = HandlerType(method).MakeGenericType(typeof(TService), method.InputType.ClrType, method.OutputType.ClrType);
            var handler = Activator.CreateInstance(handlerType, runtime, instance, path, method.InputType.Parser, match)!;
            var handle = (RequestDelegate)Delegate.CreateDelegate(typeof(RequestDelegate), handler, handlerType.GetMethod("HandleAsync")!);
            bound.Add(new BoundMethod(path, handle));
        }

        if (problems.Count > 0)
        {
            var message = new StringBuilder()
                .AppendLine($"{typeof(TService).FullName} cannot serve gRPC service {service.FullName}; these RPCs have no matching method:")
                .AppendJoin(Environment.NewLine, problems);
            throw new InvalidOperationException(message.ToString());
        }

        return bound;
    }

    private static (Type Return, Type[] Parameters) ExpectedSignature(MethodDescriptor method)
    {
        var request = method.InputType.ClrType;
        var response = method.OutputType.ClrType;
        var reader = typeof(IAsyncStreamReader<>).MakeGenericType(request);
        var writer = typeof(IServerStreamWriter<>).MakeGenericType(response);
        var task = typeof(Task<>).MakeGenericType(response);
        var context = typeof(ServerCallContext);
        return (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => (task, [request, context]),
            (false, true) => (typeof(Task), [request, writer, context]),
            (true, false) => (task, [reader, context]),
            (true, true) => (typeof(Task), [reader, writer, context]),
        };
    }

    private static Type HandlerType(MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (false, false) => typeof(UnaryHandler<,,>),
        (false, true) => typeof(ServerStreamingHandler<,,>),
        (true, false) => typeof(ClientStreamingHandler<,,>),
        (true, true) => typeof(DuplexStreamingHandler<,,>),
    };

    private static string Describe(Type type) =>
        type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Describe))}>"
            : type.Name;
}
