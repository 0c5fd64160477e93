using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using AprOrleans.Silo.Hosting;
using k8s.Models;

namespace AprOrleans.Tests.K8s;

/// <summary>
/// What the silo really reads and serves, taken from the silo's own code and files, never restated here: the
/// settings class (<see cref="SiloSettings"/>, bound from section <c>Apr</c>), silo/appsettings.json (the defaults,
/// ports included) and the endpoints the host maps.
/// </summary>
internal static partial class SiloContract
{
    /// <summary>
    /// The environment variable names the silo reads: <c>Apr__{Property}</c> for every settable public property of
    /// <see cref="SiloSettings"/> (the configuration binder's rule; <c>__</c> is the key separator), and
    /// <c>Apr__{Property}__{index}</c> for list properties (e.g. <c>Apr__Devices__0</c>).
    /// </summary>
    public static bool IsSettingName(string name)
    {
        var m = SettingNameRegex().Match(name);
        if (!m.Success || m.Groups["section"].Value != SiloSettings.Section) return false;
        var property = typeof(SiloSettings).GetProperty(m.Groups["key"].Value, BindingFlags.Public | BindingFlags.Instance);
        if (property is null || property.SetMethod is not { IsPublic: true }) return false;
        bool isList = property.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(property.PropertyType);
        return m.Groups["index"].Success == isList;
    }

    [GeneratedRegex(@"^(?<section>[A-Za-z]+)__(?<key>[A-Za-z]+)(__(?<index>[0-9]+))?$")]
    private static partial Regex SettingNameRegex();

    /// <summary>Section Apr of silo/appsettings.json, the silo's defaults.</summary>
    public static JsonElement AppSettings
    {
        get
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "silo", "appsettings.json")));
            return doc.RootElement.GetProperty(SiloSettings.Section).Clone();
        }
    }

    public static int DefaultPort(string key) => AppSettings.GetProperty(key).GetInt32();

    /// <summary>
    /// A setting's value as the silo in this container would see it: the container's environment (literal env
    /// and envFrom ConfigMaps of the render) overrides appsettings.json, as in the host's configuration order.
    /// </summary>
    public static string? Effective(string target, V1Container container, string key)
    {
        var env = LiteralEnvironment(target, container);
        if (env.TryGetValue($"{SiloSettings.Section}__{key}", out var value)) return value;
        return AppSettings.TryGetProperty(key, out var d) && d.ValueKind != JsonValueKind.Null ? d.ToString() : null;
    }

    /// <summary>The container's environment names, from env and from every envFrom ConfigMap.</summary>
    public static IReadOnlyList<string> EnvironmentNames(string target, V1Container container) =>
        [.. (container.Env ?? []).Select(e => e.Name), .. EnvFromConfigMaps(target, container).SelectMany(c => c.Data?.Keys ?? [])];

    /// <summary>Name → value for the env entries with literal values and the envFrom ConfigMaps' data.</summary>
    public static Dictionary<string, string> LiteralEnvironment(string target, V1Container container)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        // envFrom first: an explicit env entry of the same name wins in Kubernetes.
        foreach (var map in EnvFromConfigMaps(target, container))
        {
            foreach (var (k, v) in map.Data ?? new Dictionary<string, string>()) env[k] = v;
        }
        foreach (var e in container.Env ?? [])
        {
            if (e.ValueFrom is null) env[e.Name] = e.Value ?? "";
        }
        return env;
    }

    public static IEnumerable<V1ConfigMap> EnvFromConfigMaps(string target, V1Container container) =>
        (container.EnvFrom ?? []).Where(f => f.ConfigMapRef is not null).Select(f => Kustomize.Single<V1ConfigMap>(target, f.ConfigMapRef.Name));

    /// <summary>The silo's shutdown timeout as configured for this container (seconds).</summary>
    public static int ShutdownTimeoutSeconds(string target, V1Container container) =>
        int.Parse(Effective(target, container, nameof(SiloSettings.ShutdownTimeoutSeconds))
                  ?? new SiloSettings().ShutdownTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                  System.Globalization.CultureInfo.InvariantCulture);
}
