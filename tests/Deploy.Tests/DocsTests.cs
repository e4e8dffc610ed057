using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Marketplace.Deploy.Tests;

/// <summary>docs/deploy.md's configuration table and charts/marketplace/values.yaml name the same keys.</summary>
public sealed partial class DocsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_configuration_table_covers_every_value_and_names_no_other()
    {
        var values = (await Tools.ReadYamlAsync(Path.Combine(Tools.Chart, "values.yaml")))[0]!.AsObject();
        var leaves = Leaves(values, "").Select(Generic).Distinct().ToList();
        var rows = await TableKeysAsync();
        output.WriteLine($"{leaves.Count} value paths, {rows.Count} table rows");

        var undocumented = leaves.Where(leaf => !rows.Any(row => Covers(row, leaf))).ToList();
        Assert.True(undocumented.Count == 0, "values.yaml keys missing from docs/deploy.md: " + string.Join(", ", undocumented));
        var unknown = rows.Where(row => !leaves.Any(leaf => Covers(row, leaf))).ToList();
        Assert.True(unknown.Count == 0, "docs/deploy.md rows naming no key of values.yaml: " + string.Join(", ", unknown));
    }

    [Fact]
    public async Task The_table_check_notices_a_missing_and_an_invented_key()
    {
        var rows = await TableKeysAsync();
        Assert.Contains("eventBus.maxAttempts", rows);
        Assert.DoesNotContain(rows, row => Covers(row, "eventBus.maxAttemptz"));
        Assert.True(Covers("services.<app>.settings", "services.<app>.settings.Scoring.HalfLifeDays"));
        Assert.False(Covers("platform.probes", "platform.probesX"));
    }

    /// <summary>Paths of the leaves (scalars, lists, empty maps); services.orders.x becomes services.&lt;app&gt;.x.</summary>
    private static IEnumerable<string> Leaves(JsonObject node, string prefix)
    {
        foreach (var (key, child) in node)
        {
            var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (child is JsonObject o && o.Count > 0)
            {
                foreach (var leaf in Leaves(o, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    private static string Generic(string path) => ServicePath().Replace(path, "services.<app>.");

    private static bool Covers(string row, string leaf) => leaf == row || leaf.StartsWith(row + ".", StringComparison.Ordinal);

    private static async Task<List<string>> TableKeysAsync()
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(Tools.Root, "docs", "deploy.md"));
        var section = doc[doc.IndexOf("## Configuration", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        return TableRow().Matches(section).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"^services\.(orders|reviews|messaging|scoring)\.")]
    private static partial Regex ServicePath();

    [GeneratedRegex(@"^\| `([^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
