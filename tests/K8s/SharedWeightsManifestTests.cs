using AprOrleans.Silo.Hosting;
using k8s.Models;

namespace AprOrleans.Tests.K8s;

/// <summary>
/// The shared-weights component (k8s/components/shared-weights) above the CPU overlay and the GRPO component: every
/// silo and the GRPO trainer mount one ReadWriteMany claim, and each is told the path it mounted it at.
/// </summary>
public sealed class SharedWeightsManifestTests
{
    private const string Target = Kustomize.GrpoCpuShared;
    private const string Claim = "apr-shared-weights";

    /// <summary>Where <paramref name="container"/> mounts the shared claim of <paramref name="pod"/>.</summary>
    private static string MountPath(V1PodSpec pod, V1Container container)
    {
        var volume = Assert.Single(pod.Volumes, v => v.PersistentVolumeClaim?.ClaimName == Claim);
        return Assert.Single(container.VolumeMounts, m => m.Name == volume.Name).MountPath;
    }

    [Fact]
    public void The_claim_is_ReadWriteMany_in_the_apr_namespace()
    {
        var claim = Kustomize.Single<V1PersistentVolumeClaim>(Target, Claim);
        Assert.Equal("apr", claim.Metadata.NamespaceProperty);
        Assert.Equal(["ReadWriteMany"], claim.Spec.AccessModes);
    }

    [Fact]
    public void Every_silo_gets_the_setting_pointing_at_its_mount_of_the_claim_and_can_write_there()
    {
        var pod = Kustomize.Silo(Target).Spec.Template.Spec;
        var silo = Kustomize.SiloContainer(Target);
        var setting = Assert.Single(silo.Env, e => e.Name == $"{SiloSettings.Section}__{nameof(SiloSettings.SharedWeightsDirectory)}");
        Assert.Equal(MountPath(pod, silo), setting.Value);
        Assert.Equal(pod.SecurityContext.RunAsGroup, pod.SecurityContext.FsGroup);
        Assert.Equal("OnRootMismatch", pod.SecurityContext.FsGroupChangePolicy);
        // Without the component nothing of it is there.
        Assert.DoesNotContain(Kustomize.SiloContainer(Kustomize.GrpoCpu).Env, e => e.Name.EndsWith(nameof(SiloSettings.SharedWeightsDirectory)));
    }

    [Fact]
    public void The_trainer_publishes_through_its_mount_of_the_same_claim()
    {
        var job = Kustomize.Single<V1Job>(Target, "apr-grpo");
        var trainer = job.Spec.Template.Spec.Containers.Single(c => c.Name == "trainer");
        int at = trainer.Args.IndexOf("--shared-weights");
        Assert.True(at >= 0 && at + 1 < trainer.Args.Count, string.Join(' ', trainer.Args));
        Assert.Equal(MountPath(job.Spec.Template.Spec, trainer), trainer.Args[at + 1]);
        // The component adds to the GRPO component's command line; it replaces nothing of it.
        var plain = Kustomize.Single<V1Job>(Kustomize.GrpoCpu, "apr-grpo").Spec.Template.Spec.Containers.Single(c => c.Name == "trainer");
        Assert.Equal(plain.Args, trainer.Args.Take(plain.Args.Count));
    }
}
