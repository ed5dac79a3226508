package kubeobjects_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubeobjects"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const envID = "env_01jzq3v7k2m8x9y0abcdefghij"

func spec(ns string) kubeobjects.Spec {
	return kubeobjects.Spec{
		EnvironmentID:   envID,
		Namespace:       ns,
		Version:         "2026.9.6",
		CPUs:            2,
		MemoryMB:        2048,
		StateVolumeGB:   10,
		Running:         true,
		ConfigJSON:      []byte(`{"gateway":{"mode":"local","port":18789,"bind":"lan"}}`),
		GatewayToken:    "tok-never-in-a-configmap",
		Secrets:         map[string]string{"ANTHROPIC_API_KEY": "sk-ant-never-in-a-configmap"},
		SecretsRevision: "fp1",
	}
}

func secretValues(s kubeobjects.Spec) []string {
	v := []string{s.GatewayToken}
	for _, value := range s.Secrets {
		v = append(v, value)
	}
	return v
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// The objects as the API server stores them: image, replicas, claim size,
// Secret references, no secret outside the Secret, owner references, labels.
func TestApplyShapes(t *testing.T) {
	cs := kubetest.Client(t)
	ns := kubetest.Namespace(t, cs)
	c := ctx(t)
	s := spec(ns)
	s.StorageClass = "fast-ssd"
	sts, err := kubeobjects.Apply(c, cs, s)
	if err != nil {
		t.Fatal(err)
	}
	name := kubeobjects.Name(envID)

	if *sts.Spec.Replicas != 1 {
		t.Errorf("replicas = %d, want 1", *sts.Spec.Replicas)
	}
	pod := sts.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	ctr := pod.Containers[0]
	if ctr.Image != "ghcr.io/openclaw/openclaw:2026.9.6" {
		t.Errorf("image = %q", ctr.Image)
	}
	if got := ctr.Resources.Limits.Cpu().String(); got != "2" {
		t.Errorf("cpu limit = %s, want 2", got)
	}
	if got := ctr.Resources.Limits.Memory().String(); got != "2Gi" {
		t.Errorf("memory limit = %s, want 2Gi", got)
	}
	for path, probe := range map[string]*corev1.Probe{"/healthz": ctr.LivenessProbe, "/readyz": ctr.ReadinessProbe, "/startupz": ctr.StartupProbe} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != path || probe.HTTPGet.Port.String() != "gateway" {
			t.Errorf("probe for %s = %+v", path, probe)
		}
	}
	if len(sts.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("%d claim templates, want 1", len(sts.Spec.VolumeClaimTemplates))
	}
	claim := sts.Spec.VolumeClaimTemplates[0]
	if got := claim.Spec.Resources.Requests[corev1.ResourceStorage]; got.Cmp(resource.MustParse("10Gi")) != 0 {
		t.Errorf("claim size = %s, want 10Gi", got.String())
	}
	if claim.Spec.StorageClassName == nil || *claim.Spec.StorageClassName != "fast-ssd" {
		t.Errorf("claim storage class = %v, want fast-ssd", claim.Spec.StorageClassName)
	}
	if st := sts.Spec.UpdateStrategy.Type; st != appsv1.OnDeleteStatefulSetStrategyType {
		t.Errorf("update strategy = %s, want OnDelete (the driver replaces the pod)", st)
	}
	if g := pod.TerminationGracePeriodSeconds; g == nil || *g != kubeobjects.DrainSeconds {
		t.Errorf("termination grace period = %v, want OpenClaw's drain (%ds)", g, kubeobjects.DrainSeconds)
	}
	if p := sts.Spec.PersistentVolumeClaimRetentionPolicy; p == nil || p.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || p.WhenDeleted != appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
		t.Errorf("claim retention = %+v, want kept when scaled, deleted with the StatefulSet", p)
	}

	// Every secret reaches the container through the Secret, by reference.
	refs := map[string]string{}
	for _, e := range ctr.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			if e.ValueFrom.SecretKeyRef.Name != name {
				t.Errorf("env %s refers to Secret %q, want %q", e.Name, e.ValueFrom.SecretKeyRef.Name, name)
			}
			refs[e.Name] = e.ValueFrom.SecretKeyRef.Key
		}
	}
	want := map[string]string{"OPENCLAW_GATEWAY_TOKEN": kubeobjects.TokenKey, "ANTHROPIC_API_KEY": "ANTHROPIC_API_KEY"}
	if !mapsEqual(refs, want) {
		t.Errorf("secret references = %v, want %v", refs, want)
	}

	secret, err := cs.CoreV1().Secrets(ns).Get(c, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(secret.Data[kubeobjects.TokenKey]) != s.GatewayToken || string(secret.Data["ANTHROPIC_API_KEY"]) != s.Secrets["ANTHROPIC_API_KEY"] {
		t.Errorf("the Secret does not hold the token and the secrets: keys %v", slices.Sorted(mapsKeys(secret.Data)))
	}
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(c, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["openclaw.json"] != string(s.ConfigJSON) {
		t.Errorf("openclaw.json = %q, want %q", cm.Data["openclaw.json"], s.ConfigJSON)
	}
	svc, err := cs.CoreV1().Services(ns).Get(c, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.Type != corev1.ServiceTypeClusterIP || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != kubeobjects.GatewayPort {
		t.Errorf("service = %s %+v, want ClusterIP on %d", svc.Spec.Type, svc.Spec.Ports, kubeobjects.GatewayPort)
	}
	if svc.Spec.Selector[kubeobjects.LabelEnvironment] != envID {
		t.Errorf("service selector = %v", svc.Spec.Selector)
	}

	// No secret value anywhere but in the Secret.
	for kind, obj := range map[string]any{"StatefulSet": sts, "ConfigMap": cm, "Service": svc} {
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range secretValues(s) {
			if strings.Contains(string(b), v) {
				t.Errorf("the %s contains a secret value", kind)
			}
		}
	}

	// Labels and ownership: the StatefulSet owns the rest, and every object
	// was written by our field manager.
	owned := map[string]metav1.ObjectMeta{"ConfigMap": cm.ObjectMeta, "Secret": secret.ObjectMeta, "Service": svc.ObjectMeta}
	for kind, meta := range owned {
		if len(meta.OwnerReferences) != 1 || meta.OwnerReferences[0].UID != sts.UID || meta.OwnerReferences[0].Kind != "StatefulSet" {
			t.Errorf("%s owner references = %+v, want the StatefulSet %s", kind, meta.OwnerReferences, sts.UID)
		}
	}
	owned["StatefulSet"] = sts.ObjectMeta
	owned["pod template"] = sts.Spec.Template.ObjectMeta
	for kind, meta := range owned {
		if meta.Labels[kubeobjects.LabelEnvironment] != envID || meta.Labels["app.kubernetes.io/managed-by"] != kubeobjects.FieldManager {
			t.Errorf("%s labels = %v", kind, meta.Labels)
		}
		if kind != "pod template" && !slices.ContainsFunc(meta.ManagedFields, func(f metav1.ManagedFieldsEntry) bool {
			return f.Manager == kubeobjects.FieldManager && f.Operation == metav1.ManagedFieldsOperationApply
		}) {
			t.Errorf("%s was not applied by %s", kind, kubeobjects.FieldManager)
		}
	}
}

// Re-applying the same spec changes nothing, and fields of other managers
// survive our applies.
func TestApplyIsIdempotent(t *testing.T) {
	cs := kubetest.Client(t)
	ns := kubetest.Namespace(t, cs)
	c := ctx(t)
	s := spec(ns)
	first, err := kubeobjects.Apply(c, cs, s)
	if err != nil {
		t.Fatal(err)
	}
	name := kubeobjects.Name(envID)
	// Another controller annotates our Service and ConfigMap.
	other := metav1.ApplyOptions{FieldManager: "someone-else"}
	annotated, err := cs.CoreV1().Services(ns).Apply(c, corev1ac.Service(name, ns).WithAnnotations(map[string]string{"example.com/team": "ops"}), other)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(c, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	secret, err := cs.CoreV1().Secrets(ns).Get(c, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// The StatefulSet's status changes under the controller, so its
	// generation (which counts spec changes) is what must stay.
	again, err := kubeobjects.Apply(c, cs, s)
	if err != nil {
		t.Fatal(err)
	}
	if again.Generation != first.Generation {
		t.Errorf("a second apply changed the StatefulSet's spec: generation %d -> %d", first.Generation, again.Generation)
	}
	secret2, err := cs.CoreV1().Secrets(ns).Get(c, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if secret2.ResourceVersion != secret.ResourceVersion {
		t.Errorf("a second apply changed the Secret: resource version %s -> %s", secret.ResourceVersion, secret2.ResourceVersion)
	}
	cm2, err := cs.CoreV1().ConfigMaps(ns).Get(c, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm2.ResourceVersion != cm.ResourceVersion {
		t.Errorf("a second apply changed the ConfigMap: resource version %s -> %s", cm.ResourceVersion, cm2.ResourceVersion)
	}
	svc, err := cs.CoreV1().Services(ns).Get(c, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Annotations["example.com/team"] != "ops" {
		t.Errorf("our apply removed another manager's annotation: %v", svc.Annotations)
	}
	if svc.ResourceVersion != annotated.ResourceVersion {
		t.Errorf("a second apply changed the Service: resource version %s -> %s", annotated.ResourceVersion, svc.ResourceVersion)
	}
}

// The lifecycle the driver will run, on kwok's fake node: create -> running
// -> stop (zero replicas, claim kept) -> start -> version change rolls the
// pod -> the claim grows where the class allows -> delete leaves nothing.
func TestLifecycle(t *testing.T) {
	cs := kubetest.Client(t)
	ns := kubetest.Namespace(t, cs)
	c := ctx(t)
	s := expandableVolume(t, cs, ns)

	began := time.Now()
	step := func(what string) { t.Logf("%6.1fs %s", time.Since(began).Seconds(), what) }
	sts, err := kubeobjects.Apply(c, cs, s)
	if err != nil {
		t.Fatal(err)
	}
	pod := waitPod(t, cs, s, "running", func(p *corev1.Pod) bool { return running(p) })
	if pod.Spec.Containers[0].Image != "ghcr.io/openclaw/openclaw:2026.9.6" {
		t.Errorf("image = %q", pod.Spec.Containers[0].Image)
	}
	waitReady(t, cs, s, 1)
	// Its Bound phase may follow the pod, which needs only the volume name.
	claim := kubetest.Until(t, c, "the claim to be bound", byEnvironment(cs.CoreV1().RESTClient(), "persistentvolumeclaims", s),
		func(p *corev1.PersistentVolumeClaim) bool { return p.Status.Phase == corev1.ClaimBound })
	if !slices.ContainsFunc(claim.OwnerReferences, func(r metav1.OwnerReference) bool { return r.UID == sts.UID }) {
		t.Errorf("claim owner references = %+v, want the StatefulSet (so that deleting it deletes the claim)", claim.OwnerReferences)
	}

	step("running")
	// Stop: zero replicas, the claim stays.
	s.Running = false
	if _, err := kubeobjects.Apply(c, cs, s); err != nil {
		t.Fatal(err)
	}
	waitPodGone(t, cs, s)
	waitReady(t, cs, s, 0)
	if claimOf(t, cs, s).UID != claim.UID {
		t.Error("stopping replaced the claim")
	}

	step("stopped")
	// Start, then change the version: the pod is replaced with one on the
	// new image, on the same claim.
	s.Running = true
	if _, err := kubeobjects.Apply(c, cs, s); err != nil {
		t.Fatal(err)
	}
	first := waitPod(t, cs, s, "running again", running)
	step("started again")
	s.Version = "2026.10.1"
	if _, err := kubeobjects.Apply(c, cs, s); err != nil {
		t.Fatal(err)
	}
	roll(t, cs, s, first)
	rolled := waitPod(t, cs, s, "running the new version", func(p *corev1.Pod) bool {
		return p.UID != first.UID && running(p) && p.Spec.Containers[0].Image == "ghcr.io/openclaw/openclaw:2026.10.1"
	})
	if rolled.Labels["app.kubernetes.io/version"] != "2026.10.1" {
		t.Errorf("pod version label = %q", rolled.Labels["app.kubernetes.io/version"])
	}
	if claimOf(t, cs, s).UID != claim.UID {
		t.Error("the version change replaced the claim")
	}

	step("rolled to the new version")
	// Grow the volume: the claim asks for more; the template, which
	// Kubernetes never lets change, keeps its size, and re-applying works.
	s.StateVolumeGB = 2
	for range 2 {
		if _, err := kubeobjects.Apply(c, cs, s); err != nil {
			t.Fatalf("grow the volume: %v", err)
		}
	}
	if got := claimOf(t, cs, s).Spec.Resources.Requests[corev1.ResourceStorage]; got.Cmp(resource.MustParse("2Gi")) != 0 {
		t.Errorf("claim request = %s after growing, want 2Gi", got.String())
	}

	step("grown")
	// Delete: nothing of the environment is left.
	if err := kubeobjects.Delete(c, cs, ns, envID); err != nil {
		t.Fatal(err)
	}
	waitNothingLeft(t, cs, s)
	step("deleted")
	if err := kubeobjects.Delete(c, cs, ns, envID); err != nil {
		t.Errorf("deleting again: %v", err)
	}
}

// A class that does not allow expansion (here: none at all, a statically
// provisioned volume) makes growing the volume a clear error.
func TestResizeRefused(t *testing.T) {
	cs := kubetest.Client(t)
	ns := kubetest.Namespace(t, cs)
	c := ctx(t)
	s := spec(ns)
	s.StorageClass = "static-" + ns
	s.StateVolumeGB = 1
	volume(t, cs, s, "1Gi")
	if _, err := kubeobjects.Apply(c, cs, s); err != nil {
		t.Fatal(err)
	}
	kubetest.Until(t, c, "the claim to bind", kubetest.ListWatch(cs.CoreV1().RESTClient(), "persistentvolumeclaims", ns, nil),
		func(p *corev1.PersistentVolumeClaim) bool { return p.Status.Phase == corev1.ClaimBound })
	s.StateVolumeGB = 5
	_, err := kubeobjects.Apply(c, cs, s)
	if !errors.Is(err, kubeobjects.ErrResizeRefused) {
		t.Fatalf("Apply = %v, want ErrResizeRefused", err)
	}
	if !strings.Contains(err.Error(), kubeobjects.ClaimName(envID)) || !strings.Contains(err.Error(), "5 GiB") {
		t.Errorf("the error does not name the claim and the size: %v", err)
	}
}

// expandableVolume returns a spec of a 1 GiB volume whose storage class
// allows expansion, with the volume its claim binds to.
func expandableVolume(t *testing.T, cs kubernetes.Interface, ns string) kubeobjects.Spec {
	t.Helper()
	s := spec(ns)
	s.StorageClass = "expandable-" + ns
	s.StateVolumeGB = 1
	class := &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{Name: s.StorageClass},
		Provisioner:          "kubernetes.io/no-provisioner",
		AllowVolumeExpansion: ptr.To(true),
	}
	if _, err := cs.StorageV1().StorageClasses().Create(context.Background(), class, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cs.StorageV1().StorageClasses().Delete(context.Background(), class.Name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete storage class %s: %v", class.Name, err)
		}
	})
	volume(t, cs, s, "1Gi")
	return s
}

// volume pre-creates the PersistentVolume the environment's claim binds to:
// the test cluster has no provisioner.
func volume(t *testing.T, cs kubernetes.Interface, s kubeobjects.Spec, size string) {
	t.Helper()
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: s.Namespace + "-state"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              s.StorageClass,
			ClaimRef:                      &corev1.ObjectReference{Namespace: s.Namespace, Name: kubeobjects.ClaimName(s.EnvironmentID)},
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/lib/kubetest/" + s.Namespace}},
		},
	}
	if _, err := cs.CoreV1().PersistentVolumes().Create(context.Background(), pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		err := cs.CoreV1().PersistentVolumes().Delete(context.Background(), pv.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete volume %s: %v", pv.Name, err)
		}
	})
}

func running(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func waitPod(t *testing.T, cs kubernetes.Interface, s kubeobjects.Spec, what string, cond func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	return kubetest.Until(t, ctx(t), "the environment's pod to be "+what,
		byEnvironment(cs.CoreV1().RESTClient(), "pods", s), cond)
}

func waitPodGone(t *testing.T, cs kubernetes.Interface, s kubeobjects.Spec) {
	t.Helper()
	kubetest.UntilEmpty[*corev1.Pod](t, ctx(t), "the environment's pod to be gone", byEnvironment(cs.CoreV1().RESTClient(), "pods", s))
}

// byEnvironment lists and watches one kind of the environment's objects.
func byEnvironment(c cache.Getter, resource string, s kubeobjects.Spec) cache.ListerWatcher {
	return kubetest.ListWatch(c, resource, s.Namespace, func(o *metav1.ListOptions) {
		o.LabelSelector = kubeobjects.Selector(s.EnvironmentID)
	})
}

// roll does what the driver does after a change of the pod template (the
// StatefulSet's strategy is OnDelete): it deletes the outdated pod once the
// controller has seen the new template.
func roll(t *testing.T, cs kubernetes.Interface, s kubeobjects.Spec, pod *corev1.Pod) {
	t.Helper()
	name := kubeobjects.Name(s.EnvironmentID)
	sts := kubetest.Until(t, ctx(t), "the StatefulSet to see the new template", kubetest.ListWatch(cs.AppsV1().RESTClient(), "statefulsets", s.Namespace, nil),
		func(sts *appsv1.StatefulSet) bool { return sts.Name == name && kubeobjects.Outdated(sts, pod) })
	rolled, err := kubeobjects.Roll(ctx(t), cs, sts, pod)
	if err != nil || !rolled {
		t.Fatalf("Roll = %v, %v; want the outdated pod deleted", rolled, err)
	}
	current := pod.DeepCopy()
	current.Labels[appsv1.ControllerRevisionHashLabelKey] = sts.Status.UpdateRevision
	if kubeobjects.Outdated(sts, current) {
		t.Error("a pod of the update revision is outdated")
	}
}

func waitReady(t *testing.T, cs kubernetes.Interface, s kubeobjects.Spec, replicas int32) {
	t.Helper()
	name := kubeobjects.Name(s.EnvironmentID)
	kubetest.Until(t, ctx(t), "the StatefulSet to settle", kubetest.ListWatch(cs.AppsV1().RESTClient(), "statefulsets", s.Namespace, nil),
		func(sts *appsv1.StatefulSet) bool {
			return sts.Name == name && sts.Status.ObservedGeneration == sts.Generation &&
				sts.Status.Replicas == replicas && sts.Status.ReadyReplicas == replicas
		})
}

func claimOf(t *testing.T, cs kubernetes.Interface, s kubeobjects.Spec) *corev1.PersistentVolumeClaim {
	t.Helper()
	claim, err := cs.CoreV1().PersistentVolumeClaims(s.Namespace).Get(context.Background(), kubeobjects.ClaimName(s.EnvironmentID), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return claim
}

// waitNothingLeft waits until no object of the environment is left.
func waitNothingLeft(t *testing.T, cs kubernetes.Interface, s kubeobjects.Spec) {
	t.Helper()
	kubetest.UntilNothingLeft(t, ctx(t), cs, s.Namespace, kubeobjects.Selector(s.EnvironmentID))
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func mapsKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// The Role shipped in examples/kubernetes/rbac.yaml is enough for
// everything this package does, and for the informers the driver runs.
func TestShippedRoleIsEnough(t *testing.T) {
	admin := kubetest.Client(t)
	ns := kubetest.Namespace(t, admin)
	c := ctx(t)
	cfg := kubetest.AsServiceAccount(t, admin, ns, "../../../../../examples/kubernetes/rbac.yaml", nil)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}

	s := expandableVolume(t, admin, ns)

	if _, err := kubeobjects.Apply(c, cs, s); err != nil {
		t.Fatalf("create as the control plane's account: %v", err)
	}
	waitPod(t, cs, s, "running", running)
	s.Version, s.Running = "2026.10.1", false
	if _, err := kubeobjects.Apply(c, cs, s); err != nil {
		t.Fatalf("update as the control plane's account: %v", err)
	}
	s.StateVolumeGB = 2
	if _, err := kubeobjects.Apply(c, cs, s); err != nil {
		t.Fatalf("grow the volume as the control plane's account: %v", err)
	}
	// What the driver's informers need.
	lists := map[string]func() error{
		"statefulsets": func() error { _, err := cs.AppsV1().StatefulSets(ns).List(c, metav1.ListOptions{}); return err },
		"pods":         func() error { _, err := cs.CoreV1().Pods(ns).List(c, metav1.ListOptions{}); return err },
		"watch pods": func() error {
			w, err := cs.CoreV1().Pods(ns).Watch(c, metav1.ListOptions{})
			if err == nil {
				w.Stop()
			}
			return err
		},
	}
	for what, list := range lists {
		if err := list(); err != nil {
			t.Errorf("list %s as the control plane's account: %v", what, err)
		}
	}
	if err := kubeobjects.Delete(c, cs, ns, envID); err != nil {
		t.Fatalf("delete as the control plane's account: %v", err)
	}
	waitNothingLeft(t, admin, s)
}
