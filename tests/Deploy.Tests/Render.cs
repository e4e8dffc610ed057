using System.Text.Json.Nodes;
using Xunit;

namespace Marketplace.Deploy.Tests;

/// <summary>The chart rendered by <c>helm template</c> with some values, as text and as objects.</summary>
public sealed class Render
{
    private Render(string text, IReadOnlyList<JsonObject> objects)
    {
        Text = text;
        Objects = objects;
    }

    /// <summary>The value sets the checks render: no values, the production example, the minimal file.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ValueSets = new Dictionary<string, string[]>
    {
        ["default"] = [],
        ["production"] = ["-f", "charts/marketplace/values-production.yaml"],
        ["minimal"] = ["-f", "charts/marketplace/ci/minimal-values.yaml"],
    };

    public const string Release = "mkt";

    public string Text { get; }

    public IReadOnlyList<JsonObject> Objects { get; }

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => (string?)o["kind"] == kind);

    public JsonObject Single(string kind, string name) =>
        Objects.Single(o => (string?)o["kind"] == kind && (string?)o["metadata"]?["name"] == name);

    /// <summary>The Deployment of a service (<c>mkt-marketplace-orders</c>).</summary>
    public JsonObject Deployment(string app) => Single("Deployment", $"{Release}-marketplace-{app}");

    public static Task<Render> OfAsync(string valueSet, params string[] more) =>
        TemplateAsync([.. ValueSets[valueSet], .. more]);

    /// <summary>Renders the chart with helm arguments (<c>-f</c>, <c>--set</c>); fails the test if helm fails.</summary>
    public static async Task<Render> TemplateAsync(params string[] arguments)
    {
        var result = await HelmTemplateAsync(arguments);
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', arguments)} failed:\n{result.All}");
        await using var file = await TempFile.WriteAsync(result.Output);
        var objects = (await Tools.ReadYamlAsync(file.Path)).Select(n => n!.AsObject()).ToList();
        return new Render(result.Output, objects);
    }

    public static Task<CommandResult> HelmTemplateAsync(params string[] arguments) =>
        Tools.RunAsync(Tools.Helm, ["template", Release, "charts/marketplace", "--namespace", "marketplace", .. arguments]);

    /// <summary>Every container of every workload and pod, with the pod spec it belongs to.</summary>
    public static IEnumerable<(JsonObject Owner, JsonObject PodSpec, JsonObject Container)> Containers(IEnumerable<JsonObject> objects)
    {
        foreach (var o in objects)
        {
            var podSpec = (string?)o["kind"] switch
            {
                "Deployment" or "StatefulSet" or "DaemonSet" or "Job" => o["spec"]?["template"]?["spec"]?.AsObject(),
                "Pod" => o["spec"]?.AsObject(),
                _ => null,
            };
            if (podSpec is null)
            {
                continue;
            }

            foreach (var container in podSpec["containers"]?.AsArray() ?? [])
            {
                yield return (o, podSpec, container!.AsObject());
            }
        }
    }

    /// <summary>A container's environment as name → value (values only; secret references as "secret:name/key").</summary>
    public static Dictionary<string, string> Env(JsonObject container) =>
        (container["env"]?.AsArray() ?? []).Select(e => e!.AsObject()).ToDictionary(
            e => (string)e["name"]!,
            e => e["value"] is { } v ? (string)v! : $"secret:{e["valueFrom"]?["secretKeyRef"]?["name"]}/{e["valueFrom"]?["secretKeyRef"]?["key"]}");
}

/// <summary>A temporary file that is deleted on dispose.</summary>
public sealed class TempFile : IAsyncDisposable
{
    private TempFile(string path) => Path = path;

    public string Path { get; }

    public static async Task<TempFile> WriteAsync(string text)
    {
        var file = new TempFile(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"marketplace-deploy-tests-{Guid.NewGuid():N}.yaml"));
        await File.WriteAllTextAsync(file.Path, text);
        return file;
    }

    public ValueTask DisposeAsync()
    {
        File.Delete(Path);
        return ValueTask.CompletedTask;
    }
}
