using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client.Configuration;

namespace Marketplace.Clients;

/// <summary>
/// gRPC retry policies read from the contract: a method is retried only when its .proto declares
/// <c>option idempotency_level = IDEMPOTENT</c> (commands carrying a request id) or
/// <c>NO_SIDE_EFFECTS</c> (reads), and only for UNAVAILABLE (the server was not reached, was
/// shutting down, or its storage was away). Everything else is never sent twice by the client.
/// </summary>
public static class RetryPolicies
{
    public static readonly RetryPolicy Unavailable = new()
    {
        MaxAttempts = 4,
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(2),
        BackoffMultiplier = 2,
        RetryableStatusCodes = { StatusCode.Unavailable },
    };

    /// <summary>The idempotent methods of <paramref name="services"/>, as named by the gRPC service config.</summary>
    public static IEnumerable<MethodName> IdempotentMethods(params ServiceDescriptor[] services) =>
        services.SelectMany(service => service.Methods
            .Where(IsIdempotent)
            .Select(method => new MethodName { Service = service.FullName, Method = method.Name }));

    public static bool IsIdempotent(MethodDescriptor method) =>
        method.GetOptions()?.IdempotencyLevel is MethodOptions.Types.IdempotencyLevel.Idempotent
            or MethodOptions.Types.IdempotencyLevel.NoSideEffects;

    /// <summary>A service config that retries the idempotent methods of <paramref name="services"/>.</summary>
    public static ServiceConfig For(params ServiceDescriptor[] services)
    {
        var config = new MethodConfig { RetryPolicy = Unavailable };
        foreach (var name in IdempotentMethods(services))
        {
            config.Names.Add(name);
        }

        return new ServiceConfig { MethodConfigs = { config } };
    }
}
