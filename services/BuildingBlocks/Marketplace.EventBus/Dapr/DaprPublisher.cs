using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Marketplace.EventBus.Dapr;

/// <summary>The sidecar refused a publish for a reason retrying will not fix (4xx), or kept failing.</summary>
public sealed class DaprPublishException(string message, HttpStatusCode? status = null) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>
/// Publishes through the sidecar: <c>POST /v1.0/publish/{pubsub}/{topic}</c> with the stored
/// CloudEvent bytes as <c>application/cloudevents+json</c>, so the sidecar keeps our envelope and
/// id. Connection errors, timeouts and 5xx answers are retried with exponential backoff.
/// </summary>
public sealed class DaprPublisher : IDisposable
{
    private static readonly MediaTypeHeaderValue CloudEventsMediaType = new(CloudEvent.MediaType);
    private readonly HttpClient _http;
    private readonly string _pubSubName;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public DaprPublisher(EventBusOptions options, ILogger<DaprPublisher> logger)
    {
        _pubSubName = options.PubSubName;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{options.DaprHttpPort.ToString(CultureInfo.InvariantCulture)}/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(response => (int)response.StatusCode >= 500),
                MaxRetryAttempts = 5,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                OnRetry = retry =>
                {
                    logger.LogWarning("Publishing to the Dapr sidecar failed ({Outcome}); retry {Attempt}",
                        retry.Outcome.Exception?.Message ?? ((int?)retry.Outcome.Result?.StatusCode)?.ToString(CultureInfo.InvariantCulture),
                        retry.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    /// <summary>Publishes one CloudEvent; returns when the sidecar answered 2xx.</summary>
    /// <exception cref="DaprPublishException">A 4xx answer, or 5xx after every retry.</exception>
    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> cloudEvent, CancellationToken cancellationToken)
    {
        var path = $"v1.0/publish/{Uri.EscapeDataString(_pubSubName)}/{Uri.EscapeDataString(topic)}";
        using var response = await _pipeline.ExecuteAsync(
            async ct =>
            {
                var content = new ReadOnlyMemoryContent(cloudEvent);
                content.Headers.ContentType = CloudEventsMediaType;
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
                return await _http.SendAsync(request, ct);
            },
            cancellationToken);

        if (!response.IsSuccessStatusCode)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new DaprPublishException($"The Dapr sidecar answered {(int)response.StatusCode} to publishing on '{topic}': {body}", response.StatusCode);
        }
    }

    public void Dispose() => _http.Dispose();
}
