using Polly;
using Polly.Retry;

namespace Marketplace.Grpc;

/// <summary>Settings of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted; larger ones fail with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxReceiveMessageSize;

    /// <summary>Largest request message sent; null for no limit.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// Opt-in retry of unary calls marked <see cref="CallOptions.IsIdempotent"/> when they end
    /// with UNAVAILABLE. Null (the default) means no retries. Build one with <see cref="GrpcRetry.Unavailable"/>.
    /// </summary>
    public ResiliencePipeline? UnavailableRetry { get; set; }

    /// <summary>A handler to use instead of the channel's own <see cref="SocketsHttpHandler"/> (the channel does not dispose it).</summary>
    public HttpMessageHandler? HttpHandler { get; set; }
}

/// <summary>Polly pipelines for gRPC calls.</summary>
public static class GrpcRetry
{
    /// <summary>
    /// Retries a call that ended with UNAVAILABLE (the server was unreachable, shutting down or
    /// overloaded) up to <paramref name="maxRetries"/> times, with exponential back-off and jitter.
    /// </summary>
    public static ResiliencePipeline Unavailable(int maxRetries = 3, TimeSpan? firstDelay = null) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => e.StatusCode == StatusCode.Unavailable),
                MaxRetryAttempts = maxRetries,
                Delay = firstDelay ?? TimeSpan.FromMilliseconds(100),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .Build();
}
