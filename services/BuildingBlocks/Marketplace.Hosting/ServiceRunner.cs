using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Marketplace.Hosting;

/// <summary>How a service's <c>Program.cs</c> ends: run until SIGTERM/SIGINT, with the exit codes operators rely on.</summary>
public static class ServiceRunner
{
    /// <summary>Exit code of a service that refused to start because of its configuration.</summary>
    public const int InvalidConfiguration = 2;

    /// <summary>
    /// Runs the service. Returns 0 after a graceful stop, and <see cref="InvalidConfiguration"/>
    /// when a setting is invalid (each problem is printed with its key).
    /// </summary>
    public static async Task<int> RunServiceAsync(this WebApplication app)
    {
        string appId = AppIdOf(app.Services.GetRequiredService<IOptions<PlatformOptions>>());
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (ConfigurationProblems(e) is { Count: > 0 } problems)
        {
            await Console.Error.WriteLineAsync($"{appId}: refusing to start, the configuration is invalid:");
            foreach (string problem in problems)
            {
                await Console.Error.WriteLineAsync($"  - {problem}");
            }

            return InvalidConfiguration;
        }
    }

    /// <summary>
    /// The configuration problems an exception from start-up reports: options validation failures
    /// (each names its key) and values the binder could not convert (the binder names the key).
    /// Empty when the exception is about something else.
    /// </summary>
    public static IReadOnlyList<string> ConfigurationProblems(Exception e) => e switch
    {
        OptionsValidationException validation => validation.Failures.ToList(),
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(ConfigurationProblems).ToList(),
        InvalidOperationException { InnerException: FormatException or InvalidCastException or OverflowException or ArgumentException } binding
            when binding.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase) => [binding.Message],
        _ => [],
    };

    private static string AppIdOf(IOptions<PlatformOptions> platform)
    {
        try
        {
            return platform.Value.AppId;
        }
        catch (Exception e) when (ConfigurationProblems(e).Count > 0)
        {
            return "service";
        }
    }
}
