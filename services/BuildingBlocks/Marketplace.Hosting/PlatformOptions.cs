using System.ComponentModel.DataAnnotations;
using System.Net;
using Marketplace.Hosting.Configuration;

namespace Marketplace.Hosting;

/// <summary>The clocks a service can read the time from (<see cref="PlatformOptions.Clock"/>).</summary>
public enum PlatformClock
{
    /// <summary>The machine's clock (<see cref="TimeProvider.System"/>).</summary>
    System,

    /// <summary>The platform's simulated clock in Redis (<see cref="Time.SimulatedClock"/>).</summary>
    Simulated,
}

/// <summary>
/// The settings every service reads from the <c>Platform</c> section (appsettings.json, then
/// environment variables such as <c>Platform__GrpcPort</c>).
/// </summary>
public sealed class PlatformOptions : IValidatableObject
{
    public const string Section = "Platform";

    /// <summary>The service's app id: Dapr app id, consumer group, event source, Redis key prefix.</summary>
    [RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$", ErrorMessage = "must be 1-63 lowercase letters, digits and '-'")]
    public string AppId { get; set; } = "";

    /// <summary>Address both listeners bind to. 0.0.0.0 in a pod; 127.0.0.1 for local runs and tests.</summary>
    [IpAddress]
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>HTTP/2-only listener (prior knowledge, h2c) for gRPC.</summary>
    [Range(1, 65535, ErrorMessage = "must be a port number from {1} to {2}")]
    public int GrpcPort { get; set; } = 5000;

    /// <summary>HTTP/1.1 listener for /healthz, /readyz and the Dapr endpoints.</summary>
    [Range(1, 65535, ErrorMessage = "must be a port number from {1} to {2}")]
    public int HttpPort { get; set; } = 8080;

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c> or <c>redis:6379,password=…</c>.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "is required (a StackExchange.Redis configuration string such as '127.0.0.1:6379')")]
    [DataType(DataType.Password)] // may carry the password: never echoed in a problem line
    public string Redis { get; set; } = "";

    /// <summary>How long in-flight work may take to finish after SIGTERM.</summary>
    [Range(1, 300, ErrorMessage = "must be a whole number of seconds from {1} to {2}")]
    public int ShutdownTimeoutSeconds { get; set; } = 20;

    /// <summary>
    /// Where the service reads the time (docs/clock.md): <c>System</c>, the machine's clock (the default,
    /// and always in the Helm chart), or <c>Simulated</c>, one time kept in Redis that every service
    /// reads and that only a driver (the DevHost, a test) moves forward. For local runs and tests only.
    /// </summary>
    [EnumDataType(typeof(PlatformClock), ErrorMessage = "must be System or Simulated")]
    public PlatformClock Clock { get; set; } = PlatformClock.System;

    /// <summary>Must be true for <see cref="Clock"/> <c>Simulated</c>: a service never runs on a simulated clock by accident.</summary>
    public bool AllowSimulatedClock { get; set; }

    public IPAddress BindIpAddress => IPAddress.Parse(BindAddress);

    public TimeSpan ShutdownTimeout => TimeSpan.FromSeconds(ShutdownTimeoutSeconds);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GrpcPort == HttpPort)
        {
            yield return new ValidationResult($"must differ from {Section}:HttpPort (both are {GrpcPort})", [nameof(GrpcPort)]);
        }

        if (Clock == PlatformClock.Simulated && !AllowSimulatedClock)
        {
            yield return new ValidationResult(
                $"is Simulated, which is for local runs and tests only: set {Section}:AllowSimulatedClock=true to allow it, or use System",
                [nameof(Clock)]);
        }
    }
}
