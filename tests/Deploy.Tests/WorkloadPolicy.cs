using System.Text.Json.Nodes;

namespace Marketplace.Deploy.Tests;

/// <summary>
/// What every rendered workload must do, beyond schema validity: probes, resource limits, a
/// non-root and locked-down security context, pinned images, Dapr annotations that match the pod,
/// and Services whose named target ports exist. Returns one line per problem, naming the object.
/// </summary>
public static class WorkloadPolicy
{
    private static readonly string[] DaprProtocols = ["http", "grpc", "h2c", "https", "grpcs"];

    public static IReadOnlyList<string> Check(IReadOnlyList<JsonObject> objects)
    {
        var problems = new List<string>();
        foreach (var (owner, podSpec, container) in Render.Containers(objects))
        {
            var where = $"{owner["kind"]} {owner["metadata"]?["name"]}, container {container["name"]}";
            var longRunning = (string?)owner["kind"] is "Deployment" or "StatefulSet" or "DaemonSet";
            if (longRunning)
            {
                foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
                {
                    if (container[probe] is null)
                    {
                        problems.Add($"{where}: no {probe}");
                    }
                }
            }

            foreach (var kind in new[] { "limits", "requests" })
            {
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    if (container["resources"]?[kind]?[resource] is null)
                    {
                        problems.Add($"{where}: no resources.{kind}.{resource}");
                    }
                }
            }

            var pod = podSpec["securityContext"];
            var own = container["securityContext"];
            if ((bool?)(own?["runAsNonRoot"] ?? pod?["runAsNonRoot"]) != true)
            {
                problems.Add($"{where}: runAsNonRoot is not true (a root container)");
            }

            if ((own?["runAsUser"] ?? pod?["runAsUser"])?.ToString() == "0")
            {
                problems.Add($"{where}: runAsUser is 0 (a root container)");
            }

            if ((bool?)own?["allowPrivilegeEscalation"] != false)
            {
                problems.Add($"{where}: allowPrivilegeEscalation is not false");
            }

            if ((bool?)own?["readOnlyRootFilesystem"] != true)
            {
                problems.Add($"{where}: readOnlyRootFilesystem is not true");
            }

            if (!(own?["capabilities"]?["drop"]?.AsArray() ?? []).Any(c => (string?)c == "ALL"))
            {
                problems.Add($"{where}: capabilities do not drop ALL");
            }

            if ((string?)(own?["seccompProfile"]?["type"] ?? pod?["seccompProfile"]?["type"]) != "RuntimeDefault")
            {
                problems.Add($"{where}: seccompProfile is not RuntimeDefault");
            }

            var image = (string?)container["image"] ?? "";
            var tag = image.Contains(':', StringComparison.Ordinal) ? image[(image.LastIndexOf(':') + 1)..] : "";
            if (tag.Length == 0 || tag == "latest")
            {
                problems.Add($"{where}: image '{image}' is not pinned to a tag other than latest");
            }
        }

        CheckDapr(objects, problems);
        CheckServicePorts(objects, problems);
        return problems;
    }

    private static void CheckDapr(IReadOnlyList<JsonObject> objects, List<string> problems)
    {
        var configurations = objects.Where(o => (string?)o["kind"] == "Configuration").Select(o => (string?)o["metadata"]?["name"]).ToHashSet();
        foreach (var owner in objects.Where(o => (string?)o["kind"] is "Deployment" or "StatefulSet"))
        {
            var annotations = owner["spec"]?["template"]?["metadata"]?["annotations"]?.AsObject();
            if ((string?)annotations?["dapr.io/enabled"] != "true")
            {
                continue;
            }

            var where = $"{owner["kind"]} {owner["metadata"]?["name"]}";
            var ports = (owner["spec"]!["template"]!["spec"]!["containers"]?.AsArray() ?? [])
                .SelectMany(c => c!["ports"]?.AsArray() ?? [])
                .Select(p => p!["containerPort"]?.ToString())
                .ToHashSet();
            var appPort = (string?)annotations!["dapr.io/app-port"];
            if (appPort is null || !ports.Contains(appPort))
            {
                problems.Add($"{where}: dapr.io/app-port '{appPort}' is not a port the pod's containers open ({string.Join(", ", ports)})");
            }

            if (string.IsNullOrEmpty((string?)annotations["dapr.io/app-id"]))
            {
                problems.Add($"{where}: no dapr.io/app-id");
            }

            if (!DaprProtocols.Contains((string?)annotations["dapr.io/app-protocol"]))
            {
                problems.Add($"{where}: dapr.io/app-protocol '{annotations["dapr.io/app-protocol"]}' is not one of {string.Join(", ", DaprProtocols)}");
            }

            var config = (string?)annotations["dapr.io/config"];
            if (config is not null && !configurations.Contains(config))
            {
                problems.Add($"{where}: dapr.io/config '{config}' names no Configuration of the release");
            }
        }
    }

    private static void CheckServicePorts(IReadOnlyList<JsonObject> objects, List<string> problems)
    {
        var pods = objects.Where(o => (string?)o["kind"] is "Deployment" or "StatefulSet")
            .Select(o => (Labels: o["spec"]?["template"]?["metadata"]?["labels"]?.AsObject(), Spec: o["spec"]!["template"]!["spec"]!.AsObject()))
            .ToList();
        foreach (var service in objects.Where(o => (string?)o["kind"] == "Service"))
        {
            var selector = service["spec"]?["selector"]?.AsObject() ?? [];
            var matching = pods.Where(p => selector.All(s => (string?)p.Labels?[s.Key] == (string?)s.Value)).ToList();
            var where = $"Service {service["metadata"]?["name"]}";
            if (matching.Count == 0)
            {
                problems.Add($"{where}: selects no pod of the release");
                continue;
            }

            var names = matching.SelectMany(p => p.Spec["containers"]!.AsArray()).SelectMany(c => c!["ports"]?.AsArray() ?? [])
                .Select(p => (string?)p!["name"]).ToHashSet();
            foreach (var port in service["spec"]?["ports"]?.AsArray() ?? [])
            {
                if (port!["targetPort"] is JsonValue target && target.TryGetValue<string>(out var name) && !names.Contains(name))
                {
                    problems.Add($"{where}: targetPort '{name}' is no named port of its pods");
                }
            }
        }
    }
}
