package kubernetes_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	kubedriver "github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubeobjects"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const envID = "env_01kubedrivertest"

func gateway(version string) driver.Gateway {
	return driver.Gateway{
		ID: envID, Name: "kube", Region: "eu-central", OpenClawVersion: version, ReleaseChannel: "stable",
		CPUs: 1, MemoryMB: 512, StateVolumeGB: 1,
		Secrets:            map[string]string{"ANTHROPIC_API_KEY": "sk-ant-kube-test"},
		SecretNames:        []string{"ANTHROPIC_API_KEY"},
		SecretFingerprints: map[string]string{"ANTHROPIC_API_KEY": "fp1"},
		Token:              "ocgw_kube-test-token",
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// newDriver starts a driver on the test cluster in ns, closed when the
// test ends.
func newDriver(t *testing.T, cfg *rest.Config, ns, class string) *kubedriver.Driver {
	t.Helper()
	d, err := kubedriver.New(testCtx(t), kubedriver.Config{REST: cfg, Namespace: ns, StorageClass: class, MaxRestarts: 3})
	if err != nil {
		t.Fatalf("kubernetes driver: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// asControlPlane applies examples/kubernetes/rbac.yaml to ns and returns a
// client configuration of its ServiceAccount: the tests run the driver with
// exactly the shipped Role.
func asControlPlane(t *testing.T, admin kubernetes.Interface, ns string, edit func(*rbacv1.Role)) *rest.Config {
	t.Helper()
	return kubetest.AsServiceAccount(t, admin, ns, "../../../../examples/kubernetes/rbac.yaml", edit)
}

// volume pre-creates a PersistentVolume of class for the environment's
// claim (the test cluster has no provisioner); with expandable, the class
// exists and allows expansion.
func volume(t *testing.T, cs kubernetes.Interface, ns, class string, expandable bool) {
	t.Helper()
	c := context.Background()
	if expandable {
		sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: class}, Provisioner: "kubernetes.io/no-provisioner", AllowVolumeExpansion: ptr.To(true)}
		if _, err := cs.StorageV1().StorageClasses().Create(c, sc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cs.StorageV1().StorageClasses().Delete(c, class, metav1.DeleteOptions{}) })
	}
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-state"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              class,
			ClaimRef:                      &corev1.ObjectReference{Namespace: ns, Name: kubeobjects.ClaimName(envID)},
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/lib/kubetest/" + ns}},
		},
	}
	if _, err := cs.CoreV1().PersistentVolumes().Create(c, pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cs.CoreV1().PersistentVolumes().Delete(c, pv.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete volume %s: %v", pv.Name, err)
		}
	})
}

// waitPhase waits until the driver's Health is phase. Health reads the
// informers' cache, so asking often costs nothing; the server's engine
// asks the same way.
func waitPhase(t *testing.T, d *kubedriver.Driver, phase driver.Phase) driver.Health {
	t.Helper()
	c := testCtx(t)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var h driver.Health
	for {
		var err error
		h, err = d.Health(c, envID)
		if err != nil {
			t.Fatalf("Health: %v", err)
		}
		if h.Phase == phase {
			return h
		}
		select {
		case <-c.Done():
			t.Fatalf("waiting for phase %s: still %s (%s)", phase, h.Phase, h.Message)
		case <-tick.C:
		}
	}
}

// podWatch records the most pods of the environment that ever existed at
// once.
type podWatch struct {
	mu   sync.Mutex
	live map[string]bool
	max  int
}

func watchPods(t *testing.T, cs kubernetes.Interface, ns string) *podWatch {
	w := &podWatch{live: map[string]bool{}}
	set := func(obj any, alive bool) {
		key, _ := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
		w.mu.Lock()
		defer w.mu.Unlock()
		if alive {
			w.live[key] = true
		} else {
			delete(w.live, key)
		}
		w.max = max(w.max, len(w.live))
	}
	lw := kubetest.ListWatch(cs.CoreV1().RESTClient(), "pods", ns, func(o *metav1.ListOptions) { o.LabelSelector = kubeobjects.Selector(envID) })
	_, inf := cache.NewInformerWithOptions(cache.InformerOptions{ListerWatcher: lw, ObjectType: &corev1.Pod{}, Handler: cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { set(obj, true) },
		UpdateFunc: func(_, obj any) { set(obj, true) },
		DeleteFunc: func(obj any) { set(obj, false) },
	}})
	c, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go inf.RunWithContext(c)
	return w
}

func (w *podWatch) most() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.max
}

func onlyPod(t *testing.T, cs kubernetes.Interface, ns string) *corev1.Pod {
	t.Helper()
	pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: kubeobjects.Selector(envID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 1 {
		t.Fatalf("%d pods of the environment, want 1", len(pods.Items))
	}
	return &pods.Items[0]
}

func statefulSet(t *testing.T, cs kubernetes.Interface, ns string) *appsv1.StatefulSet {
	t.Helper()
	sts, err := cs.AppsV1().StatefulSets(ns).Get(context.Background(), kubeobjects.Name(envID), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sts
}

func claim(t *testing.T, cs kubernetes.Interface, ns string) *corev1.PersistentVolumeClaim {
	t.Helper()
	pvc, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(context.Background(), kubeobjects.ClaimName(envID), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pvc
}

// nothingLeft waits until no object of the environment is left.
func nothingLeft(t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	kubetest.UntilNothingLeft(t, testCtx(t), cs, ns, kubeobjects.Selector(envID))
}

// The whole lifecycle through the driver, as the shipped Role: create ->
// running (kwok reports the pod ready) -> stop (zero replicas, the claim
// kept) -> start -> a version change replaces the pod (never two at once)
// -> the volume grows -> delete -> nothing left.
func TestLifecycle(t *testing.T) {
	admin := kubetest.Client(t)
	ns := kubetest.Namespace(t, admin)
	class := "expandable-" + ns
	volume(t, admin, ns, class, true)
	d := newDriver(t, asControlPlane(t, admin, ns, nil), ns, class)
	c := testCtx(t)
	pods := watchPods(t, admin, ns)

	g := gateway("2026.9.6")
	if err := d.Provision(c, g); err != nil {
		t.Fatalf("Provision before the first Start: %v", err)
	}
	if err := d.Start(c, g); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, driver.PhaseReady)
	if got, want := d.URL(g), "http://"+kubeobjects.Name(envID)+"."+ns+".svc:18789"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	first := onlyPod(t, admin, ns)
	if img := first.Spec.Containers[0].Image; img != "ghcr.io/openclaw/openclaw:2026.9.6" {
		t.Errorf("image = %q", img)
	}
	if err := d.Delete(c, envID); !errors.Is(err, driver.ErrRunning) {
		t.Errorf("Delete of a running gateway = %v, want ErrRunning", err)
	}
	pvc := claim(t, admin, ns)

	if err := d.Stop(c, envID, time.Minute); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, driver.PhaseStopped)
	if r := statefulSet(t, admin, ns).Spec.Replicas; r == nil || *r != 0 {
		t.Errorf("replicas after Stop = %v, want 0", r)
	}
	if claim(t, admin, ns).UID != pvc.UID {
		t.Error("stopping replaced the claim")
	}
	if err := d.Stop(c, envID, time.Minute); err != nil {
		t.Errorf("stopping a stopped gateway: %v", err)
	}

	if err := d.Start(c, g); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, driver.PhaseReady)
	started := onlyPod(t, admin, ns)

	// A new version: the outdated pod is deleted, the new one runs on the
	// same claim.
	g.OpenClawVersion = "2026.10.1"
	if err := d.Start(c, g); err != nil {
		t.Fatal(err)
	}
	h := waitPhase(t, d, driver.PhaseReady)
	rolled := onlyPod(t, admin, ns)
	if rolled.UID == started.UID || rolled.Spec.Containers[0].Image != "ghcr.io/openclaw/openclaw:2026.10.1" {
		t.Errorf("after the version change the pod is %s on %s (%s); want a new pod on 2026.10.1", rolled.Name, rolled.Spec.Containers[0].Image, h.Message)
	}
	if claim(t, admin, ns).UID != pvc.UID {
		t.Error("the version change replaced the claim")
	}
	if n := pods.most(); n != 1 {
		t.Errorf("%d pods of the environment existed at once; one volume must never have two", n)
	}

	// The same inputs again change nothing.
	if err := d.Start(c, g); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, driver.PhaseReady)
	if onlyPod(t, admin, ns).UID != rolled.UID {
		t.Error("re-applying the same inputs replaced the pod")
	}

	// Provision rewrites openclaw.json (a model provider, say).
	g.ModelProviders = []driver.ModelProvider{{ID: "local-llm", BaseURL: "http://llm:8000/v1", API: "openai-completions", Models: []driver.Model{{ID: "m"}}}}
	if err := d.Provision(c, g); err != nil {
		t.Fatal(err)
	}
	cm, err := admin.CoreV1().ConfigMaps(ns).Get(c, kubeobjects.Name(envID), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := cm.Data["openclaw.json"]; !strings.Contains(cfg, "http://llm:8000/v1") || !strings.Contains(cfg, `"bind": "lan"`) {
		t.Errorf("openclaw.json after Provision:\n%s", cfg)
	}
	if len(cm.OwnerReferences) != 1 || cm.OwnerReferences[0].Kind != "StatefulSet" {
		t.Errorf("ConfigMap owner references after Provision = %+v", cm.OwnerReferences)
	}
	if strings.Contains(cm.Data["openclaw.json"], "sk-ant-kube-test") || strings.Contains(cm.Data["openclaw.json"], g.Token) {
		t.Error("a secret value is in the ConfigMap")
	}

	// Growing the volume resizes the claim (its class allows it).
	g.StateVolumeGB = 2
	if err := d.Start(c, g); err != nil {
		t.Fatalf("grow the volume: %v", err)
	}
	if got := claim(t, admin, ns).Spec.Resources.Requests[corev1.ResourceStorage]; got.Cmp(resource.MustParse("2Gi")) != 0 {
		t.Errorf("claim request = %s after growing, want 2Gi", got.String())
	}

	lines, err := d.Logs(c, envID, 10)
	t.Logf("Logs under kwok: %q, %v", lines, err)
	if err != nil && !errors.Is(err, driver.ErrNotSupported) {
		t.Errorf("Logs = %v; want lines, or ErrNotSupported from a node without logs (kwok)", err)
	}
	if _, err := d.Backup(c, envID, t.TempDir()); !errors.Is(err, driver.ErrNotSupported) || driver.CanBackup(d) {
		t.Errorf("Backup = %v, CanBackup = %v; want ErrNotSupported, and the server told so up front", err, driver.CanBackup(d))
	}

	if err := d.Stop(c, envID, time.Minute); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, driver.PhaseStopped)
	if err := d.Delete(c, envID); err != nil {
		t.Fatal(err)
	}
	nothingLeft(t, admin, ns)
	if h, err := d.Health(c, envID); err != nil || h.Phase != driver.PhaseStopped {
		t.Errorf("Health after Delete = %+v, %v", h, err)
	}
	if err := d.Delete(c, envID); err != nil {
		t.Errorf("deleting again: %v", err)
	}
}

// readyGateway starts the environment's gateway, as the cluster admin, in a
// namespace of its own on a static volume, and waits until it is ready.
func readyGateway(t *testing.T) (kubernetes.Interface, string, *kubedriver.Driver, driver.Gateway) {
	t.Helper()
	admin := kubetest.Client(t)
	ns := kubetest.Namespace(t, admin)
	class := "static-" + ns
	volume(t, admin, ns, class, false)
	d := newDriver(t, kubetest.Config(t), ns, class)
	g := gateway("2026.9.6")
	if err := d.Start(testCtx(t), g); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, driver.PhaseReady)
	return admin, ns, d, g
}

// A static volume (no class that allows expansion) cannot grow: the error
// says so and is ErrRejected, which fails the environment at once.
func TestGrowRefused(t *testing.T) {
	admin, ns, d, g := readyGateway(t)
	c := testCtx(t)
	kubetest.Until(t, c, "the claim to bind", kubetest.ListWatch(admin.CoreV1().RESTClient(), "persistentvolumeclaims", ns, nil),
		func(p *corev1.PersistentVolumeClaim) bool { return p.Status.Phase == corev1.ClaimBound })
	g.StateVolumeGB = 5
	err := d.Start(c, g)
	if !errors.Is(err, driver.ErrRejected) || !strings.Contains(err.Error(), "5 GiB") || !strings.Contains(err.Error(), "allow volume expansion") {
		t.Fatalf("Start = %v; want ErrRejected naming the size and the storage class", err)
	}
}

// kwok runs no container, so a crash loop is made the way a kubelet would
// report one: the test writes the pod's status (status subresource) with
// the container waiting in CrashLoopBackOff after restarts, and the last
// termination's message. The informer sees it; the driver reports it as an
// event and Health says failed, with the message.
func TestCrashLoopFails(t *testing.T) {
	admin, ns, d, _ := readyGateway(t)
	c := testCtx(t)

	pod := onlyPod(t, admin, ns)
	const why = "Invalid config at /etc/openclaw/openclaw.json: gateway.mode: expected string"
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady"}}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: kubeobjects.ContainerName, Image: pod.Spec.Containers[0].Image, Ready: false, RestartCount: 4,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 1m20s restarting failed container"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 1, Reason: "Error", Message: why,
		}},
	}}
	if _, err := admin.CoreV1().Pods(ns).UpdateStatus(c, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-d.Events():
		if ev.GatewayID != envID || ev.Phase != driver.PhaseFailed || !strings.Contains(ev.Message, why) || !strings.Contains(ev.Message, "CrashLoopBackOff") {
			t.Errorf("event = %+v; want failed with the termination message", ev)
		}
	case <-c.Done():
		t.Fatal("no event of the crash loop")
	}
	h := waitPhase(t, d, driver.PhaseFailed)
	if !strings.Contains(h.Message, why) || h.Restarts != 4 {
		t.Errorf("Health = %+v", h)
	}
	// An informer resync or an unrelated update does not repeat the event.
	pod, _ = admin.CoreV1().Pods(ns).Get(c, pod.Name, metav1.GetOptions{})
	pod.Annotations = map[string]string{"touched": "1"}
	if _, err := admin.CoreV1().Pods(ns).Update(c, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Stop(c, envID, time.Minute); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, d, driver.PhaseStopped)
	select {
	case ev := <-d.Events():
		t.Errorf("a second event of the same failure: %+v", ev)
	default:
	}
}

// A control plane that dies mid-apply leaves objects it never recorded: a
// new driver lists them (informers) and the engine's repeated step
// converges on one StatefulSet, one pod, owned objects. A driver started
// on a cluster that runs a gateway reports it ready without any call.
func TestRestartConverges(t *testing.T) {
	admin := kubetest.Client(t)
	ns := kubetest.Namespace(t, admin)
	class := "static-" + ns
	volume(t, admin, ns, class, false)
	c := testCtx(t)
	g := gateway("2026.9.6")

	// What a first apply writes before its StatefulSet: the ConfigMap and
	// Secret, without an owner yet. Then the control plane dies.
	s := kubeobjects.Spec{EnvironmentID: envID, Namespace: ns, Version: g.OpenClawVersion, CPUs: 1, MemoryMB: 512, StateVolumeGB: 1, StorageClass: class, Running: true, ConfigJSON: []byte("{}\n"), GatewayToken: g.Token}
	opts := metav1.ApplyOptions{FieldManager: kubeobjects.FieldManager, Force: true}
	if _, err := admin.CoreV1().ConfigMaps(ns).Apply(c, kubeobjects.ConfigMap(s, nil), opts); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CoreV1().Secrets(ns).Apply(c, kubeobjects.Secret(s, nil), opts); err != nil {
		t.Fatal(err)
	}
	first := newDriver(t, kubetest.Config(t), ns, class)
	if err := first.Start(c, g); err != nil {
		t.Fatal(err)
	}
	_ = first.Close() // before the gateway is ready

	second := newDriver(t, kubetest.Config(t), ns, class)
	if err := second.Start(c, g); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, second, driver.PhaseReady)
	pod := onlyPod(t, admin, ns)
	sts := statefulSet(t, admin, ns)
	for _, get := range []func() (metav1.Object, error){
		func() (metav1.Object, error) {
			return admin.CoreV1().ConfigMaps(ns).Get(c, sts.Name, metav1.GetOptions{})
		},
		func() (metav1.Object, error) { return admin.CoreV1().Secrets(ns).Get(c, sts.Name, metav1.GetOptions{}) },
		func() (metav1.Object, error) {
			return admin.CoreV1().Services(ns).Get(c, sts.Name, metav1.GetOptions{})
		},
	} {
		obj, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if refs := obj.GetOwnerReferences(); len(refs) != 1 || refs[0].UID != sts.UID {
			t.Errorf("%s: owner references %+v, want the StatefulSet", obj.GetName(), refs)
		}
	}
	_ = second.Close()

	third := newDriver(t, kubetest.Config(t), ns, class)
	if h, err := third.Health(c, envID); err != nil || h.Phase != driver.PhaseReady {
		t.Errorf("Health on a fresh driver = %+v, %v; want ready from the first list", h, err)
	}
	if err := third.Start(c, g); err != nil {
		t.Fatal(err)
	}
	waitPhase(t, third, driver.PhaseReady)
	if onlyPod(t, admin, ns).UID != pod.UID {
		t.Error("adopting the gateway replaced its pod")
	}
}

// An unreachable API server: New says where it could not connect; calls of
// a running driver fail with an error that names the server and is
// transient, which the server's engine retries.
func TestUnreachableAPIServer(t *testing.T) {
	admin := kubetest.Client(t)
	ns := kubetest.Namespace(t, admin)
	p := kubetest.NewProxy(t)
	via := p.Config(t)
	via.Timeout = 5 * time.Second
	d := newDriver(t, via, ns, "")
	p.Cut()

	c := testCtx(t)
	err := d.Start(c, gateway("2026.9.6"))
	if err == nil || !kubeobjects.IsTransient(err) {
		t.Fatalf("Start with the API server unreachable = %v; want a transient error", err)
	}
	if !strings.Contains(err.Error(), via.Host) || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("the error does not say what is unreachable: %v", err)
	}
	if err := d.Stop(c, envID, time.Minute); err == nil || !kubeobjects.IsTransient(err) {
		t.Errorf("Stop with the API server unreachable = %v; want a transient error", err)
	}

	_, err = kubedriver.New(c, kubedriver.Config{REST: via, Namespace: ns})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Kubernetes API server at "+via.Host) {
		t.Errorf("New with the API server unreachable = %v", err)
	}
}

// Start-up errors name what to fix: a namespace that does not exist, a
// verb the Role does not grant.
func TestStartupErrors(t *testing.T) {
	admin := kubetest.Client(t)
	ns := kubetest.Namespace(t, admin)
	c := testCtx(t)
	_, err := kubedriver.New(c, kubedriver.Config{REST: kubetest.Config(t), Namespace: ns + "-missing"})
	if err == nil || !strings.Contains(err.Error(), `namespace "`+ns+`-missing" does not exist`) {
		t.Errorf("New in a missing namespace = %v", err)
	}

	cfg := asControlPlane(t, admin, ns, func(r *rbacv1.Role) {
		for i, rule := range r.Rules {
			if len(rule.Resources) == 1 && rule.Resources[0] == "pods" {
				r.Rules[i].Verbs = []string{"list", "watch"}
			}
		}
	})
	_, err = kubedriver.New(c, kubedriver.Config{REST: cfg, Namespace: ns})
	if err == nil || !strings.Contains(err.Error(), "may not delete pods in namespace "+ns) || !strings.Contains(err.Error(), "rbac.yaml") {
		t.Errorf("New without the right to delete pods = %v", err)
	}

}

// The API server accepts examples/kubernetes/controlplane.yaml as it is
// (a dry run: kwok would run no container anyway), in a namespace holding
// rbac.yaml.
func TestControlPlaneExampleIsValid(t *testing.T) {
	admin := kubetest.Client(t)
	ns := kubetest.Namespace(t, admin)
	asControlPlane(t, admin, ns, nil)
	c := testCtx(t)
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	for _, obj := range kubetest.Decode(t, "../../../../examples/kubernetes/controlplane.yaml") {
		var err error
		switch o := obj.(type) {
		case *appsv1.Deployment:
			o.Namespace = ns
			_, err = admin.AppsV1().Deployments(ns).Create(c, o, dry)
		case *corev1.Service:
			o.Namespace = ns
			_, err = admin.CoreV1().Services(ns).Create(c, o, dry)
		default:
			t.Fatalf("unexpected %T in controlplane.yaml", obj)
		}
		if err != nil {
			t.Errorf("the API server refuses controlplane.yaml: %v", err)
		}
	}
}
