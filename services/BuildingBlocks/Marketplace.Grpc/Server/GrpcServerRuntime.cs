using Google.Protobuf.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Marketplace.Grpc;

/// <summary>
/// Process-wide state of the gRPC server: options, the services mapped so far (health and
/// reflection answer from it), and whether the host is shutting down (new calls then get
/// UNAVAILABLE).
/// </summary>
internal sealed class GrpcServerRuntime
{
    private readonly List<ServiceDescriptor> _services = [];

    public GrpcServerRuntime(IOptions<GrpcServerOptions> options, ILoggerFactory loggers, IHostApplicationLifetime lifetime)
    {
        Options = options.Value;
        Logger = loggers.CreateLogger("Marketplace.Grpc.Server");
        Stopping = lifetime.ApplicationStopping;
    }

    public GrpcServerOptions Options { get; }

    public ILogger Logger { get; }

    /// <summary>Cancelled when the host starts its graceful shutdown.</summary>
    public CancellationToken Stopping { get; }

    public bool UnimplementedMapped { get; set; }

    public IReadOnlyList<ServiceDescriptor> Services
    {
        get
        {
            lock (_services)
            {
                return _services.ToArray();
            }
        }
    }

    public void AddService(ServiceDescriptor service)
    {
        lock (_services)
        {
            if (_services.Any(s => s.FullName == service.FullName))
            {
                throw new InvalidOperationException($"gRPC service '{service.FullName}' is mapped twice.");
            }

            _services.Add(service);
        }
    }

    public bool IsKnownService(string name)
    {
        lock (_services)
        {
            return _services.Any(s => s.FullName == name);
        }
    }
}
