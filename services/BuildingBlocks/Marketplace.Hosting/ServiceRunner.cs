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
            app.ValidateSettings();
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
    /// Validates every settings section registered for validation at start, all of them at once,
    /// before the host constructs its hosted services (the host resolves those first, and one that
    /// reads its settings in its constructor would report only its own section's problems).
    /// Throws what <see cref="ConfigurationProblems"/> reads.
    /// </summary>
    public static void ValidateSettings(this WebApplication app) => app.Services.GetService<IStartupValidator>()?.Validate();

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

    /// <summary>
    /// The options' value, or null when they are invalid. For what reads settings while the host is
    /// built (host and Kestrel options): there an invalid value must not throw, so that start-up
    /// validation reports every problem and the service exits with <see cref="InvalidConfiguration"/>.
    /// </summary>
    public static T? ValidOrNull<T>(IOptions<T> options)
        where T : class
    {
        try
        {
            return options.Value;
        }
        catch (Exception e) when (ConfigurationProblems(e).Count > 0)
        {
            return null;
        }
    }

    private static string AppIdOf(IOptions<PlatformOptions> platform) => ValidOrNull(platform)?.AppId ?? "service";
}
