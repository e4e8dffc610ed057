namespace Marketplace.Grpc;

/// <summary>Server-wide limits and intervals of the gRPC layer (<c>AddGrpcLayer(o =&gt; …)</c>).</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted; larger ones fail with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent; null for no limit (the gRPC default).</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>How often <c>grpc.health.v1.Health/Watch</c> re-evaluates readiness.</summary>
    public TimeSpan HealthWatchInterval { get; set; } = TimeSpan.FromSeconds(5);
}
