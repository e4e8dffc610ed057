using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Marketplace.Scoring;

/// <summary>
/// Finds the settings of a section that the standard configuration binder leaves out without a
/// word, so a typo cannot silently keep a default: a key that names no settable property of the
/// options class (<c>Scoring:HalfLifeDay</c>), and a list item or dictionary entry whose index,
/// key or value does not convert (the binder drops the whole item, e.g. a currency whose rate is
/// written <c>0,0067</c>). A scalar property whose value does not convert needs no check here: the
/// binder itself throws naming the key. Each problem names the full key, and the service then
/// refuses to start (exit code 2) like for any other invalid setting.
/// </summary>
public sealed class UnboundSettings<TOptions>(string section, IConfiguration configuration) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var problems = Find(typeof(TOptions), configuration.GetSection(section));
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Every setting below <paramref name="section"/> that would not be bound to an instance of <paramref name="type"/>.</summary>
    public static IReadOnlyList<string> Find(Type type, IConfigurationSection section)
    {
        var problems = new List<string>();
        CheckChildren(type, section, problems);
        return problems;
    }

    private static void Check(Type type, IConfigurationSection setting, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (!IsScalar(type))
        {
            CheckChildren(type, setting, problems);
            return;
        }

        if (setting.GetChildren().Any())
        {
            problems.Add($"{setting.Path} takes a single value, not keys below it");
        }
        else if (!string.IsNullOrEmpty(setting.Value) && !Converts(type, setting.Value))
        {
            problems.Add($"{setting.Path} has an unreadable value '{Shorten(setting.Value)}' (expected {Expected(type)})");
        }
    }

    private static void CheckChildren(Type type, IConfigurationSection parent, List<string> problems)
    {
        var dictionary = GenericInterface(type, typeof(IDictionary<,>)) ?? GenericInterface(type, typeof(IReadOnlyDictionary<,>));
        var list = dictionary is null && type != typeof(string) ? GenericInterface(type, typeof(IEnumerable<>)) : null;
        foreach (var child in parent.GetChildren())
        {
            if (dictionary is { } d)
            {
                if (Converts(d.GetGenericArguments()[0], child.Key))
                {
                    Check(d.GetGenericArguments()[1], child, problems);
                }
                else
                {
                    problems.Add($"{child.Path} is not a known setting (expected {Expected(d.GetGenericArguments()[0])} after {parent.Path})");
                }
            }
            else if (list is { } l)
            {
                if (int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    Check(l.GetGenericArguments()[0], child, problems);
                }
                else
                {
                    problems.Add($"{child.Path} is not a known setting (the items of {parent.Path} are numbered 0, 1, 2, ...)");
                }
            }
            else if (Property(type, child.Key) is { } property)
            {
                Check(property.PropertyType, child, problems);
            }
            else
            {
                problems.Add($"{child.Path} is not a known setting");
            }
        }
    }

    /// <summary>A public property the binder sets (one with a public setter), matched as the binder does, ignoring case.</summary>
    private static PropertyInfo? Property(Type type, string key) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase)
                && p.GetIndexParameters().Length == 0
                && p.SetMethod is { IsPublic: true });

    private static Type? GenericInterface(Type type, Type definition) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == definition
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);

    /// <summary>What the binder treats as one value: anything its type converter reads from a string.</summary>
    private static bool IsScalar(Type type) => TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    /// <summary>Whether the binder would read <paramref name="value"/> as <paramref name="type"/>; enums only by a defined name or number.</summary>
    private static bool Converts(Type type, string value)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return Enum.TryParse(type, value, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!);
        }

        try
        {
            return TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value) is not null || !type.IsValueType;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type))
            : type == typeof(int) || type == typeof(long) ? "a whole number"
            : type == typeof(double) || type == typeof(decimal) ? "a number such as 1.5"
            : type == typeof(DateTimeOffset) ? "a time such as 2020-01-01T00:00:00Z"
            : "a value of type " + type.Name;
    }

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
