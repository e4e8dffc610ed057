using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Marketplace.Hosting.Configuration;

/// <summary>
/// The one way a service reads settings: a configuration section bound to an options class with
/// the options pattern, checked with its data annotations (and <see cref="IValidatableObject"/>
/// for rules across keys) when the host starts. Every failure names the full key and the value
/// it got, e.g. <c>Platform:GrpcPort must be a port number from 1 to 65535 (got '0')</c>, so an
/// operator can fix a deployment without reading code; the service then exits with code 2
/// (<see cref="ServiceRunner.RunServiceAsync"/>).
/// </summary>
public static class SectionOptions
{
    /// <summary>Binds <paramref name="section"/> to <typeparamref name="T"/>, validated at start.</summary>
    public static OptionsBuilder<T> AddSectionOptions<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(sp => new SectionValidator<T>(section, sp.GetRequiredService<IConfiguration>()));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>Validates <paramref name="options"/> as bound from <paramref name="section"/> (also usable without DI, e.g. in tests).</summary>
    public static IReadOnlyList<string> Problems<T>(T options, string section, IConfiguration? configuration = null)
        where T : class
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        var problems = new List<string>(results.Count);
        foreach (var result in results)
        {
            string message = result.ErrorMessage ?? "is invalid";
            var members = result.MemberNames.ToList();
            if (members.Count == 0)
            {
                problems.Add($"{section}: {message}");
                continue;
            }

            foreach (string member in members)
            {
                string key = $"{section}:{member}";
                string got = configuration?[key] is { } raw && !IsSecret(typeof(T), member) ? $" (got '{Shorten(raw)}')" : "";
                problems.Add($"{key} {message}{got}");
            }
        }

        return problems;
    }

    /// <summary>A setting marked <c>[DataType(DataType.Password)]</c> (keys, connection strings with passwords) is never echoed.</summary>
    private static bool IsSecret(Type type, string member) =>
        type.GetProperty(member)?.GetCustomAttributes(typeof(DataTypeAttribute), inherit: true)
            .OfType<DataTypeAttribute>().Any(a => a.DataType == DataType.Password) == true;

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private sealed class SectionValidator<T>(string section, IConfiguration configuration) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = Problems(options, section, configuration);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
