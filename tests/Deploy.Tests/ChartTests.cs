using System.Text.Json;
using System.Text.Json.Nodes;
using Marketplace.Orders;
using Xunit;
using Xunit.Abstractions;

namespace Marketplace.Deploy.Tests;

/// <summary>charts/marketplace: lint, render, schema validation and the workload policy.</summary>
public sealed class ChartTests(ITestOutputHelper output)
{
    private static readonly string[] Apps = ["orders", "reviews", "messaging", "scoring"];

    [Theory]
    [InlineData("default")]
    [InlineData("production")]
    public async Task Helm_lint_strict_passes(string valueSet)
    {
        var result = await Tools.RunAsync(Tools.Helm, ["lint", "--strict", "charts/marketplace", .. Render.ValueSets[valueSet]]);
        output.WriteLine(result.All);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("0 chart(s) failed", result.Output);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("production")]
    [InlineData("minimal")]
    public async Task Every_rendered_object_is_valid_against_the_Kubernetes_and_Dapr_schemas(string valueSet)
    {
        var render = await Render.OfAsync(valueSet);
        await using var file = await TempFile.WriteAsync(render.Text);
        var result = await Tools.RunAsync("node", [Path.Combine(Tools.DeployTools, "validate.mjs"), file.Path]);
        var reports = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        foreach (var report in reports)
        {
            output.WriteLine($"{report["kind"]} {report["name"]}: {(report["errors"]!.AsArray().Count == 0 ? "valid" : report["errors"]!.ToJsonString())}");
        }

        Assert.Equal(render.Objects.Count, reports.Count);
        Assert.All(reports, r => Assert.Empty(r["errors"]!.AsArray()));
        Assert.True(result.ExitCode == 0, result.All);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("production")]
    [InlineData("minimal")]
    public async Task Every_workload_has_probes_limits_a_non_root_locked_down_context_and_matching_Dapr_ports(string valueSet)
    {
        var render = await Render.OfAsync(valueSet);
        Assert.NotEmpty(Render.Containers(render.Objects));
        Assert.Empty(WorkloadPolicy.Check(render.Objects));
    }

    [Theory]
    [InlineData("no readiness probe", "readinessProbe")]
    [InlineData("no liveness probe", "livenessProbe")]
    [InlineData("no limits", "limits")]
    [InlineData("root", "root")]
    [InlineData("Dapr app-port the container does not open", "app-port")]
    public async Task The_workload_policy_catches_a_broken_deployment(string what, string breakage)
    {
        var render = await Render.OfAsync("default");
        var objects = render.Objects.Select(o => o.DeepClone().AsObject()).ToList();
        var orders = objects.Single(o => (string?)o["kind"] == "Deployment" && ((string?)o["metadata"]!["name"])!.EndsWith("-orders", StringComparison.Ordinal));
        var container = orders["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
        switch (breakage)
        {
            case "readinessProbe" or "livenessProbe":
                container.Remove(breakage);
                break;
            case "limits":
                container["resources"]!.AsObject().Remove("limits");
                break;
            case "root":
                container["securityContext"]!["runAsUser"] = 0;
                break;
            default:
                orders["spec"]!["template"]!["metadata"]!["annotations"]!["dapr.io/app-port"] = "3000";
                break;
        }

        var problems = WorkloadPolicy.Check(objects);
        output.WriteLine($"{what}: {string.Join("; ", problems)}");
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.Contains("mkt-marketplace-orders", p, StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_no_values_the_chart_renders_a_complete_install()
    {
        var render = await Render.TemplateAsync();
        var kinds = render.Objects.GroupBy(o => (string)o["kind"]!).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", kinds.Select(k => $"{k.Value} {k.Key}")));
        Assert.Equal(4, kinds["Deployment"]);
        Assert.Equal(4, kinds["ServiceAccount"]);
        Assert.Equal(4, kinds["PodDisruptionBudget"]);
        Assert.Equal(4, kinds["ConfigMap"]);
        Assert.Equal(5, kinds["Service"]); // the four services and Redis
        Assert.Equal(1, kinds["StatefulSet"]);
        Assert.Equal(2, kinds["Secret"]); // generated signing key and Redis password
        Assert.Equal(1, kinds["Component"]);
        Assert.Equal(1, kinds["Resiliency"]);
        Assert.Equal(1, kinds["Configuration"]);
        Assert.Equal(1, kinds["Pod"]); // helm test
        Assert.False(kinds.ContainsKey("HorizontalPodAutoscaler"));
        Assert.False(kinds.ContainsKey("NetworkPolicy"));

        foreach (var app in Apps)
        {
            var deployment = render.Deployment(app);
            var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
            var ports = container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!);
            Assert.Equal(new Dictionary<string, int> { ["grpc"] = 5000, ["http"] = 8080 }, ports);
            Assert.Equal("/healthz", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
            Assert.Equal("/readyz", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
            var env = Render.Env(container);
            Assert.Equal(app, env["Platform__AppId"]);
            Assert.Equal("Dapr", env["EventBus__Transport"]);
            Assert.Equal("secret:mkt-marketplace-identity/signing-key", env["Identity__SigningKey"]);
            Assert.Equal("mkt-marketplace-redis:6379,password=$(REDIS_PASSWORD),abortConnect=false", env["Platform__Redis"]);
            var annotations = deployment["spec"]!["template"]!["metadata"]!["annotations"]!;
            Assert.Equal("8080", (string?)annotations["dapr.io/app-port"]);
            Assert.Equal("http", (string?)annotations["dapr.io/app-protocol"]);
            Assert.Equal(app, (string?)annotations["dapr.io/app-id"]);
            var service = render.Single("Service", $"{Render.Release}-marketplace-{app}");
            Assert.Equal(["grpc", "http"], service["spec"]!["ports"]!.AsArray().Select(p => (string)p!["name"]!));
        }

        var redis = render.Single("StatefulSet", "mkt-marketplace-redis");
        Assert.Contains("--appendonly", redis["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string?)a));
        Assert.NotNull(redis["spec"]!["volumeClaimTemplates"]);
    }

    [Fact]
    public async Task The_production_example_renders_autoscaling_budgets_network_policies_and_external_Redis()
    {
        var render = await Render.OfAsync("production");
        Assert.Empty(render.OfKind("StatefulSet"));
        Assert.Empty(render.OfKind("Secret")); // every secret is an existing one
        foreach (var app in Apps)
        {
            var name = $"{Render.Release}-marketplace-{app}";
            var hpa = render.Single("HorizontalPodAutoscaler", name);
            Assert.True((int)hpa["spec"]!["minReplicas"]! >= 2);
            Assert.Equal(name, (string?)hpa["spec"]!["scaleTargetRef"]!["name"]);
            Assert.Equal(1, (int)render.Single("PodDisruptionBudget", name)["spec"]!["minAvailable"]!);
            var policy = render.Single("NetworkPolicy", name);
            var ingress = policy["spec"]!["ingress"]!.AsArray();
            Assert.Equal("grpc", (string?)ingress[0]!["ports"]![0]!["port"]);
            Assert.Equal(2, ingress[0]!["from"]!.AsArray().Count);
            var container = render.Deployment(app)["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();
            Assert.StartsWith("registry.example.com/marketplace/marketplace/", (string?)container["image"]);
            var env = Render.Env(container);
            Assert.Equal("redis.example.internal:6380,password=$(REDIS_PASSWORD),ssl=true,abortConnect=false", env["Platform__Redis"]);
            Assert.Equal("secret:marketplace-redis/password", env["REDIS_PASSWORD"]);
            Assert.Equal("https://login.example.com/realms/marketplace", env["Identity__Authority"]);
            Assert.False(env.ContainsKey("Identity__SigningKey"));
            Assert.Equal("http://otel-collector.observability.svc.cluster.local:4317", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal("parentbased_traceidratio", env["OTEL_TRACES_SAMPLER"]);
            Assert.Equal("0.1", env["OTEL_TRACES_SAMPLER_ARG"]);
        }

        var component = render.Single("Component", "pubsub");
        var metadata = Metadata(component);
        Assert.Equal("redis.example.internal:6380", metadata["redisHost"]);
        Assert.Equal("true", metadata["enableTLS"]);
        Assert.Equal("secret:marketplace-redis/password", metadata["redisPassword"]);
        var configuration = render.Single("Configuration", "mkt-marketplace");
        Assert.Equal("otel-collector.observability.svc.cluster.local:4317", (string?)configuration["spec"]!["tracing"]!["otel"]!["endpointAddress"]);
        Assert.False((bool)configuration["spec"]!["tracing"]!["otel"]!["isSecure"]!);
    }

    [Fact]
    public async Task The_Dapr_resources_agree_with_the_services_event_bus_settings()
    {
        var render = await Render.OfAsync("default", "--set", "eventBus.maxAttempts=7", "--set", "eventBus.processingTimeoutMs=45000");
        var component = render.Single("Component", "pubsub");
        var metadata = Metadata(component);
        Assert.Equal("pubsub.redis", (string?)component["spec"]!["type"]);
        Assert.Equal("{appID}", metadata["consumerID"]); // one consumer group per app id: replicas compete
        Assert.Equal("secret:mkt-marketplace-redis/redis-password", metadata["redisPassword"]);
        Assert.Equal(Apps, component["scopes"]!.AsArray().Select(s => (string)s!));
        var resiliency = render.Single("Resiliency", "mkt-marketplace");
        Assert.Equal(6, (int)resiliency["spec"]!["policies"]!["retries"]!["deliver"]!["maxRetries"]!);
        Assert.NotNull(resiliency["spec"]!["targets"]!["components"]!["pubsub"]!["outbound"]);
        foreach (var app in Apps)
        {
            var env = Render.Env(render.Deployment(app)["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject());
            Assert.Equal((string?)component["metadata"]!["name"], env["EventBus__PubSubName"]);
            Assert.Equal(metadata["processingTimeout"], env["EventBus__ProcessingTimeoutMs"]);
            Assert.Equal("45000", env["EventBus__ProcessingTimeoutMs"]);
            Assert.Equal(metadata["redeliverInterval"], env["EventBus__RedeliverIntervalMs"]);
            Assert.Equal(metadata["maxLenApprox"], env["EventBus__MaxLenApprox"]);
            Assert.Equal("7", env["EventBus__MaxAttempts"]);
            var annotations = render.Deployment(app)["spec"]!["template"]!["metadata"]!["annotations"]!;
            Assert.Equal("mkt-marketplace", (string?)annotations["dapr.io/config"]);
        }
    }

    [Fact]
    public async Task Images_default_to_the_chart_appVersion_and_values_hold_no_secret()
    {
        var appVersion = (await Tools.ReadYamlAsync(Path.Combine(Tools.Chart, "Chart.yaml")))[0]!["appVersion"]!.ToString();
        var render = await Render.TemplateAsync();
        foreach (var app in Apps)
        {
            var image = (string?)render.Deployment(app)["spec"]!["template"]!["spec"]!["containers"]![0]!["image"];
            Assert.Equal($"marketplace/{app}:{appVersion}", image);
        }

        var retagged = await Render.TemplateAsync("--set", "image.tag=1.2.3", "--set", "image.registry=registry.example.com/team");
        Assert.Equal("registry.example.com/team/marketplace/orders:1.2.3",
            (string?)retagged.Deployment("orders")["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);

        foreach (var file in new[] { "values.yaml", "values-production.yaml" })
        {
            var values = (await Tools.ReadYamlAsync(Path.Combine(Tools.Chart, file)))[0]!;
            Assert.True(string.IsNullOrEmpty((string?)values["identity"]?["signingKey"]), $"{file} holds a signing key");
            Assert.DoesNotContain(":latest", await File.ReadAllTextAsync(Path.Combine(Tools.Chart, file)), StringComparison.Ordinal);
        }

        // Generated secrets differ per install and never appear in values.
        var a = (string?)render.Single("Secret", "mkt-marketplace-identity")["data"]!["signing-key"];
        var b = (string?)(await Render.TemplateAsync()).Single("Secret", "mkt-marketplace-identity")["data"]!["signing-key"];
        Assert.NotEqual(a, b);
        Assert.True(Convert.FromBase64String(a!).Length >= 32);
    }

    [Theory]
    [InlineData("services.orders.replicas=two", "/services/orders/replicas")]
    [InlineData("services.scoring.settings.Scoring.HalfLifeDay=90", "HalfLifeDay")]
    [InlineData("services.orders.settings.Orders.AutoCompleteAfter=3 days", "/services/orders/settings/Orders/AutoCompleteAfter")]
    [InlineData("image.tag=latest", "/image/tag")]
    [InlineData("redis.external.enabled=true", "/redis/external/host")]
    [InlineData("identity.signingKey=too-short", "/identity/signingKey")]
    [InlineData("platform.securityContext.runAsNonRoot=false", "/platform/securityContext/runAsNonRoot")]
    [InlineData("services.scoring.resources.limits=null", "/services/scoring/resources")]
    [InlineData("eventBus.maxAttempts=0", "/eventBus/maxAttempts")]
    public async Task A_wrong_value_fails_at_install(string setting, string named)
    {
        var result = await Render.HelmTemplateAsync("--set", setting);
        output.WriteLine(result.All);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("schema", result.Error, StringComparison.Ordinal);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_currency_Orders_takes_without_a_rate_in_Scoring_fails_at_install_and_one_with_a_rate_renders()
    {
        var refused = await Render.HelmTemplateAsync("--set", "services.orders.settings.Orders.Currencies=USD\\,EUR");
        output.WriteLine(refused.All);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Orders.Currencies takes EUR", refused.Error, StringComparison.Ordinal);

        var render = await Render.TemplateAsync(
            "--set", "services.orders.settings.Orders.Currencies=USD\\,EUR",
            "--set-json", "services.scoring.settings.Scoring.Currencies.EUR={\"UsdPerUnit\":1.08,\"MinorDigits\":2}");
        var orders = (await SettingsTests.ValidatedAsync<OrdersOptions>("orders", SettingsTests.Settings(render, "orders")))!;
        Assert.Equal(["USD", "EUR"], orders.Policy.CurrencyCodes);
    }

    [Theory]
    [InlineData("services.orders.env.Platform__Clock=Simulated", "services.orders.env.Platform__Clock")]
    [InlineData("services.scoring.env.platform__allowSimulatedClock=true", "services.scoring.env.platform__allowSimulatedClock")]
    public async Task Every_service_runs_on_the_system_clock_and_an_env_that_changes_it_fails_at_install(string setting, string named)
    {
        var render = await Render.TemplateAsync();
        foreach (var app in Apps)
        {
            Assert.Equal("System", Render.Env(Container(render, app))["Platform__Clock"]);
        }

        var refused = await Render.HelmTemplateAsync("--set", setting);
        output.WriteLine(refused.All);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains(named + ": the chart always runs the system clock", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identity_comes_from_an_existing_secret_a_mounted_file_or_an_authority()
    {
        var existing = await Render.TemplateAsync("--set", "identity.existingSecret=ops-jwt", "--set", "identity.existingSecretKey=key");
        Assert.DoesNotContain(existing.OfKind("Secret"), s => ((string?)s["metadata"]!["name"])!.EndsWith("-identity", StringComparison.Ordinal));
        Assert.Equal("secret:ops-jwt/key", Render.Env(Container(existing, "orders"))["Identity__SigningKey"]);

        var file = await Render.TemplateAsync("--set", "identity.existingSecret=ops-jwt", "--set", "identity.mountAsFile=true");
        var container = Container(file, "reviews");
        Assert.Equal("/var/run/secrets/marketplace/identity/signing-key", Render.Env(container)["Identity__SigningKeyFile"]);
        Assert.Contains(container["volumeMounts"]!.AsArray(), m => (string?)m!["name"] == "identity" && (bool)m["readOnly"]!);
        Assert.Empty(WorkloadPolicy.Check(file.Objects));

        var oidc = await Render.TemplateAsync("--set", "identity.authority=https://id.example.com");
        var env = Render.Env(Container(oidc, "scoring"));
        Assert.Equal("https://id.example.com", env["Identity__Authority"]);
        Assert.False(env.ContainsKey("Identity__SigningKey"));
        Assert.DoesNotContain(oidc.OfKind("Secret"), s => ((string?)s["metadata"]!["name"])!.EndsWith("-identity", StringComparison.Ordinal));
    }

    internal static JsonObject Container(Render render, string app) =>
        render.Deployment(app)["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();

    private static Dictionary<string, string> Metadata(JsonObject component) =>
        component["spec"]!["metadata"]!.AsArray().ToDictionary(
            m => (string)m!["name"]!,
            m => m!["value"] is { } v ? v.ToString() : $"secret:{m["secretKeyRef"]!["name"]}/{m["secretKeyRef"]!["key"]}");

    internal static string Json(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
