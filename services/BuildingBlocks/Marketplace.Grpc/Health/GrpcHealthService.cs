using Grpc.Health.V1;
using Marketplace.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Marketplace.Grpc;

/// <summary>
/// <c>grpc.health.v1.Health</c> (grpc/grpc doc/health-checking.md) answering from the same
/// readiness as <c>/readyz</c>: the health checks tagged <see cref="MarketplaceService.ReadyTag"/>.
/// <c>""</c> is the whole server; every mapped service name is known and shares that readiness.
/// While the host shuts down everything reports NOT_SERVING.
/// </summary>
public sealed class GrpcHealthService
{
    private readonly HealthCheckService _checks;
    private readonly GrpcServerRuntime _runtime;

    internal GrpcHealthService(HealthCheckService checks, GrpcServerRuntime runtime)
    {
        _checks = checks;
        _runtime = runtime;
    }

    public async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        if (!IsKnown(request.Service))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"Service '{request.Service}' is unknown to this server."));
        }

        return new HealthCheckResponse { Status = await ReadinessAsync(context.CancellationToken) };
    }

    /// <summary>Sends the current status, then every change, until the client leaves or the host stops.</summary>
    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _runtime.Stopping);
        ServingStatus? last = null;
        while (true)
        {
            var status = IsKnown(request.Service) ? await ReadinessAsync(context.CancellationToken) : ServingStatus.ServiceUnknown;
            if (status != last)
            {
                await responseStream.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken);
                last = status;
            }

            if (_runtime.Stopping.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(_runtime.Options.HealthWatchInterval, ending.Token);
            }
            catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
            {
                // The host is stopping: loop once more to report NOT_SERVING, then end the stream.
            }
        }
    }

    private bool IsKnown(string service) => service.Length == 0 || _runtime.IsKnownService(service);

    private async Task<ServingStatus> ReadinessAsync(CancellationToken cancellationToken)
    {
        if (_runtime.Stopping.IsCancellationRequested)
        {
            return ServingStatus.NotServing;
        }

        var report = await _checks.CheckHealthAsync(check => check.Tags.Contains(MarketplaceService.ReadyTag), cancellationToken);
        return report.Status == HealthStatus.Unhealthy ? ServingStatus.NotServing : ServingStatus.Serving;
    }
}
