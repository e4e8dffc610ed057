using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;

namespace Marketplace.Hosting;

/// <summary>
/// The settings every service reads from the <c>Platform</c> configuration section
/// (appsettings.json, then environment variables such as <c>Platform__GrpcPort</c>).
/// </summary>
public sealed record PlatformOptions
{
    public const string Section = "Platform";

    /// <summary>The service's app id: Dapr app id, consumer group, event source, Redis key prefix.</summary>
    public required string AppId { get; init; }

    /// <summary>Address both listeners bind to. 0.0.0.0 in a pod; 127.0.0.1 for local runs and tests.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>HTTP/2-only listener (prior knowledge) for gRPC.</summary>
    public int GrpcPort { get; init; }

    /// <summary>HTTP/1.1 listener for /healthz, /readyz and the Dapr endpoints.</summary>
    public int HttpPort { get; init; }

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>.</summary>
    public required string Redis { get; init; }

    /// <summary>How long in-flight work may take to finish after SIGTERM.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Reads and validates the section. Every problem is reported with the full key name, so
    /// an operator can fix the deployment without reading code.
    /// </summary>
    public static PlatformOptions Read(IConfiguration configuration, string defaultAppId)
    {
        var section = configuration.GetSection(Section);
        var errors = new List<string>();

        string appId = section["AppId"] is { Length: > 0 } id ? id : defaultAppId;
        if (!IsValidAppId(appId))
        {
            errors.Add($"{Section}:AppId must be lowercase letters, digits and '-' (got '{appId}').");
        }

        var bind = IPAddress.Any;
        if (section["BindAddress"] is { Length: > 0 } bindText && !IPAddress.TryParse(bindText, out bind!))
        {
            errors.Add($"{Section}:BindAddress must be an IP address (got '{bindText}').");
            bind = IPAddress.Any;
        }

        int grpcPort = ReadPort(section, "GrpcPort", 5000, errors);
        int httpPort = ReadPort(section, "HttpPort", 8080, errors);
        if (grpcPort == httpPort && grpcPort != 0)
        {
            errors.Add($"{Section}:GrpcPort and {Section}:HttpPort must differ (both {grpcPort}).");
        }

        string redis = section["Redis"] ?? "";
        if (string.IsNullOrWhiteSpace(redis))
        {
            errors.Add($"{Section}:Redis is required (a StackExchange.Redis configuration string such as '127.0.0.1:6379').");
        }

        var shutdown = TimeSpan.FromSeconds(20);
        if (section["ShutdownTimeoutSeconds"] is { Length: > 0 } shutdownText)
        {
            if (!int.TryParse(shutdownText, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) || seconds is < 1 or > 300)
            {
                errors.Add($"{Section}:ShutdownTimeoutSeconds must be a whole number from 1 to 300 (got '{shutdownText}').");
            }
            else
            {
                shutdown = TimeSpan.FromSeconds(seconds);
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidConfigurationException(errors);
        }

        return new PlatformOptions
        {
            AppId = appId,
            BindAddress = bind,
            GrpcPort = grpcPort,
            HttpPort = httpPort,
            Redis = redis,
            ShutdownTimeout = shutdown,
        };
    }

    private static int ReadPort(IConfigurationSection section, string key, int fallback, List<string> errors)
    {
        string? text = section[key];
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            errors.Add($"{Section}:{key} must be a port number from 1 to 65535 (got '{text}').");
            return fallback;
        }

        return port;
    }

    private static bool IsValidAppId(string appId) =>
        appId.Length is > 0 and <= 63 && appId.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
