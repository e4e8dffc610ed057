using System.Text.Json;
using Marketplace.Testing;
using Xunit;

namespace Marketplace.Interop.Tests;

/// <summary>Runs a script of tests/interop with one JSON argument and returns the JSON object it prints.</summary>
public static class NodeScripts
{
    public static async Task<JsonElement> RunAsync(string script, params string[] arguments)
    {
        await using var node = NodeProcess.Start(script, arguments);
        int exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(90));
        Assert.True(exitCode == 0, $"node {script} exited with {exitCode}: {node.Stdout} {node.Stderr}");
        string? json = node.Stdout.Split('\n').LastOrDefault(line => line.TrimStart().StartsWith('{'));
        Assert.True(json is not null, $"node {script} printed no JSON: {node.Stdout} {node.Stderr}");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    public static Task<JsonElement> RunAsync(string script, object context) =>
        RunAsync(script, JsonSerializer.Serialize(context));
}

/// <summary>One call's outcome as a script reports it: <c>{ code, details, response }</c>.</summary>
public readonly record struct JsCall(JsonElement Raw)
{
    public int Code => Raw.GetProperty("code").GetInt32();

    public string Details => Raw.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";

    public JsonElement Response => Raw.GetProperty("response");

    public string Field(params string[] path)
    {
        var node = Response;
        foreach (string part in path)
        {
            node = node.GetProperty(part);
        }

        return node.ValueKind == JsonValueKind.String ? node.GetString()! : node.GetRawText();
    }

    public override string ToString() => Raw.GetRawText();
}
