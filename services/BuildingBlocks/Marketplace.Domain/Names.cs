using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using Google.Protobuf.Reflection;

namespace Marketplace.Domain;

/// <summary>
/// How rejection messages name the values of the contracts' enums, from the names in protos/
/// (never from C# member names): <see cref="Of{T}"/> gives the short snake_case name used in
/// prose ("in_progress", "granted_by_support", "buyer"), <see cref="Proto{T}"/> the full value
/// name a client sends ("CANCELLATION_REASON_CHARGEBACK_FRAUD").
/// </summary>
public static class Names
{
    /// <summary><c>ORDER_STATE_IN_PROGRESS</c> → <c>in_progress</c>.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum =>
        EnumNames<T>.Short.TryGetValue(value, out var name) ? name : Number(value);

    /// <summary>The value's name as declared in the .proto file.</summary>
    public static string Proto<T>(T value)
        where T : struct, Enum =>
        EnumNames<T>.Full.TryGetValue(value, out var name) ? name : Number(value);

    private static string Number<T>(T value)
        where T : struct, Enum =>
        Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

    private static class EnumNames<T>
        where T : struct, Enum
    {
        public static readonly FrozenDictionary<T, string> Full = typeof(T)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .ToFrozenDictionary(f => (T)f.GetValue(null)!, f => f.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? f.Name);

        /// <summary>The full names without their common prefix (the enum's name in UPPER_SNAKE), lower-cased.</summary>
        public static readonly FrozenDictionary<T, string> Short = Full.ToFrozenDictionary(
            pair => pair.Key,
            pair => StripPrefix(pair.Value, CommonPrefix(Full.Values)).ToLowerInvariant());

        private static string CommonPrefix(IEnumerable<string> names)
        {
            var all = names.ToList();
            if (all.Count < 2)
            {
                return "";
            }

            string prefix = all[0];
            foreach (string name in all)
            {
                int length = 0;
                while (length < prefix.Length && length < name.Length && prefix[length] == name[length])
                {
                    length++;
                }

                prefix = prefix[..length];
            }

            // Cut back to a whole word: ORDER_STATE_ (not ORDER_STATE_RE... when two values share more).
            int end = prefix.LastIndexOf('_');
            return end < 0 ? "" : prefix[..(end + 1)];
        }

        private static string StripPrefix(string name, string prefix) =>
            prefix.Length > 0 && name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length ? name[prefix.Length..] : name;
    }
}
