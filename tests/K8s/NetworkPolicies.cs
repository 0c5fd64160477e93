using System.Globalization;
using k8s.Models;

namespace AprOrleans.Tests.K8s;

/// <summary>
/// Whether the rendered NetworkPolicies let one pod open a connection to another, by the API's rules: egress is
/// open unless a policy of type Egress selects the source pod, and then only what one of those policies' rules
/// admits; ingress likewise for the destination. A peer is a pod selector (this namespace), a namespace selector,
/// or both (pods matching the one in namespaces matching the other); ipBlock peers are never counted as admitting
/// a pod. Ports match by number, by range (endPort) or by the destination container's port name; protocol TCP
/// unless named.
/// </summary>
internal static class NetworkPolicies
{
    /// <summary>A pod as the policies see it: its namespace (and that namespace's labels), its labels and its ports.</summary>
    public sealed record Pod(string Namespace, IDictionary<string, string> Labels, IReadOnlyList<V1ContainerPort> Ports)
    {
        /// <summary>The label every namespace carries (set by the API server).</summary>
        public IDictionary<string, string> NamespaceLabels => new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = Namespace };
    }

    /// <summary>A pod of a rendered template, in namespace apr (where the render puts everything).</summary>
    public static Pod Of(V1PodTemplateSpec template) =>
        new("apr", template.Metadata.Labels, [.. template.Spec.Containers.SelectMany(c => c.Ports ?? [])]);

    /// <summary>The cluster DNS pods, as base's apr-dns policy names them.</summary>
    public static Pod ClusterDns { get; } = new("kube-system", new Dictionary<string, string> { ["k8s-app"] = "kube-dns" },
        [new V1ContainerPort { ContainerPort = 53, Name = "dns", Protocol = "UDP" }, new V1ContainerPort { ContainerPort = 53, Name = "dns-tcp", Protocol = "TCP" }]);

    public static bool Allows(IReadOnlyList<V1NetworkPolicy> policies, Pod from, Pod to, int port, string protocol = "TCP") =>
        Admitted(policies, "Egress", from, p => p.Spec.Egress?.Select(r => (r.To, r.Ports)), to, port, protocol)
        && Admitted(policies, "Ingress", to, p => p.Spec.Ingress?.Select(r => (r.FromProperty, r.Ports)), from, port, protocol, portsOf: to);

    /// <param name="subject">The pod whose policies decide (the source for egress, the destination for ingress).</param>
    /// <param name="other">The pod at the other end, which a rule's peers must admit.</param>
    private static bool Admitted(
        IReadOnlyList<V1NetworkPolicy> policies, string type, Pod subject,
        Func<V1NetworkPolicy, IEnumerable<(IList<V1NetworkPolicyPeer> Peers, IList<V1NetworkPolicyPort> Ports)>?> rules,
        Pod other, int port, string protocol, Pod? portsOf = null)
    {
        var selecting = policies.Where(p => (p.Metadata.NamespaceProperty ?? "default") == subject.Namespace
                                            && p.Spec.PolicyTypes.Contains(type)
                                            && Selects(p.Spec.PodSelector, subject.Labels)).ToList();
        if (selecting.Count == 0) return true;
        var destination = portsOf ?? other;
        return selecting.Any(p => (rules(p) ?? []).Any(r =>
            (r.Peers is null or { Count: 0 } || r.Peers.Any(peer => Admits(peer, p.Metadata.NamespaceProperty, other)))
            && (r.Ports is null or { Count: 0 } || r.Ports.Any(pt => PortMatches(pt, destination, port, protocol)))));
    }

    private static bool Admits(V1NetworkPolicyPeer peer, string policyNamespace, Pod pod)
    {
        if (peer.IpBlock is not null) return false;
        bool inNamespace = peer.NamespaceSelector is null ? pod.Namespace == policyNamespace : Selects(peer.NamespaceSelector, pod.NamespaceLabels);
        return inNamespace && (peer.PodSelector is null || Selects(peer.PodSelector, pod.Labels));
    }

    private static bool PortMatches(V1NetworkPolicyPort rule, Pod destination, int port, string protocol)
    {
        if ((rule.Protocol ?? "TCP") != protocol) return false;
        if (rule.Port is null) return true;
        if (int.TryParse(rule.Port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var first))
            return port >= first && port <= (rule.EndPort ?? first);
        return destination.Ports.Any(p => p.Name == rule.Port.Value && p.ContainerPort == port && (p.Protocol ?? "TCP") == protocol);
    }

    /// <summary>A label selector (matchLabels and matchExpressions); an empty one selects everything.</summary>
    public static bool Selects(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        if (selector is null) return true;
        foreach (var (k, v) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v) return false;
        }
        foreach (var e in selector.MatchExpressions ?? [])
        {
            bool has = labels.TryGetValue(e.Key, out var value);
            bool ok = e.OperatorProperty switch
            {
                "In" => has && e.Values.Contains(value!),
                "NotIn" => !has || !e.Values.Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => throw new NotSupportedException($"label selector operator {e.OperatorProperty}"),
            };
            if (!ok) return false;
        }
        return true;
    }
}
