// Package kubernetes is the Kubernetes provisioning driver: each
// environment's gateway is a StatefulSet of one replica in one namespace,
// built and applied by kubeobjects (server-side apply, field manager
// "openclaw-controlplane").
//
// The driver watches rather than polls: shared informers, scoped to the
// namespace and to the objects it manages, keep StatefulSets and pods in a
// cache that Health reads, and their events feed Events (a crash-looping
// pod fails its environment without anyone asking). The cluster is the
// state: a restarted control plane lists it again and adopts what it finds,
// and every call is idempotent, so dying between applying an object and
// recording it loses nothing.
//
// GPU pools stay simulated (simulator.Nodes): docs/guides/drivers.md says
// how they would map to GPU node pools.
package kubernetes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubeobjects"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
)

// Config tunes the Kubernetes driver.
type Config struct {
	// REST is the API server's client configuration; when nil it is loaded
	// from Kubeconfig, else from $KUBECONFIG, else in-cluster.
	REST *rest.Config
	// Kubeconfig is a kubeconfig file (--kubeconfig).
	Kubeconfig string
	// Namespace holds the environments' objects; default "openclaw".
	Namespace string
	// ImageRepository is the image's repository; the tag is the version.
	// Default kubeobjects.DefaultImageRepository.
	ImageRepository string
	// StorageClass of the state volumes; empty is the cluster's default.
	StorageClass string
	// MaxRestarts of the gateway container before the environment is
	// failed; default 3. Kubernetes keeps restarting it with backoff.
	MaxRestarts int
	// SyncTimeout bounds the first list of the informers; default 1m.
	SyncTimeout time.Duration
	Logger      *slog.Logger
}

// DefaultNamespace is the namespace when none is configured, the one
// examples/kubernetes/rbac.yaml grants.
const DefaultNamespace = "openclaw"

// Driver is the Kubernetes driver.
type Driver struct {
	cfg    Config
	host   string
	cs     kubernetes.Interface
	logger *slog.Logger
	nodes  simulator.Nodes
	events chan driver.Event

	factory informers.SharedInformerFactory
	sets    appslisters.StatefulSetNamespaceLister
	pods    corelisters.PodNamespaceLister
	cancel  context.CancelFunc

	mu sync.Mutex
	// applied is the generation of each environment's StatefulSet that
	// this driver last applied: Health waits until the cache has seen it
	// and the controller has acted on it.
	applied map[string]int64
	// reported is what Events last said of each environment (pod UID,
	// restarts, phase), so that an informer resync repeats nothing.
	reported map[string]string
	closed   bool
}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.Gateways      = (*Driver)(nil)
	_ driver.BackupSupport = (*Driver)(nil)
)

// managedSelector selects the objects of every environment this driver
// manages, and nothing else in the namespace.
var managedSelector = "app.kubernetes.io/managed-by=" + kubeobjects.FieldManager + "," + kubeobjects.LabelEnvironment

// RESTConfig loads the client configuration: the kubeconfig file, else
// $KUBECONFIG, else the pod's in-cluster service account.
func RESTConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" && os.Getenv("KUBECONFIG") == "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("kubernetes driver: no credentials: pass --kubeconfig (env KUBECONFIG) or run the control plane in a pod of the cluster (in-cluster config: %w)", err)
		}
		return cfg, nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, nil).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubernetes driver: load kubeconfig %s: %w", strings.Join(rules.GetLoadingPrecedence(), string(os.PathListSeparator)), err)
	}
	return cfg, nil
}

// New connects to the API server, checks that the namespace exists and that
// the driver may do everything it does there (naming what it may not), and
// fills its caches from the cluster: the environments a previous control
// plane created are adopted as they are.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if cfg.MaxRestarts <= 0 {
		cfg.MaxRestarts = 3
	}
	if cfg.SyncTimeout <= 0 {
		cfg.SyncTimeout = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	restCfg := cfg.REST
	if restCfg == nil {
		var err error
		if restCfg, err = RESTConfig(cfg.Kubeconfig); err != nil {
			return nil, err
		}
	}
	restCfg = rest.CopyConfig(restCfg)
	if restCfg.UserAgent == "" {
		restCfg.UserAgent = kubeobjects.FieldManager
	}
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes driver: %w", err)
	}
	d := &Driver{
		cfg:      cfg,
		host:     restCfg.Host,
		cs:       cs,
		logger:   cfg.Logger,
		events:   make(chan driver.Event, 64),
		applied:  map[string]int64{},
		reported: map[string]string{},
	}
	if err := d.preflight(ctx); err != nil {
		return nil, err
	}
	d.factory = informers.NewSharedInformerFactoryWithOptions(cs, 0,
		informers.WithNamespace(cfg.Namespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = managedSelector }))
	setInformer := d.factory.Apps().V1().StatefulSets()
	podInformer := d.factory.Core().V1().Pods()
	d.sets = setInformer.Lister().StatefulSets(cfg.Namespace)
	d.pods = podInformer.Lister().Pods(cfg.Namespace)
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    d.observe,
		UpdateFunc: func(_, obj any) { d.observe(obj) },
	}
	for _, inf := range []cache.SharedIndexInformer{setInformer.Informer(), podInformer.Informer()} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			return nil, fmt.Errorf("kubernetes driver: %w", err)
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.factory.Start(runCtx.Done())
	syncCtx, stop := context.WithTimeout(ctx, cfg.SyncTimeout)
	defer stop()
	for typ, ok := range d.factory.WaitForCacheSync(syncCtx.Done()) {
		if !ok {
			_ = d.Close()
			return nil, fmt.Errorf("kubernetes driver: listing %s in namespace %s at %s did not finish within %s", typ, cfg.Namespace, d.host, cfg.SyncTimeout)
		}
	}
	return d, nil
}

// Name is "kubernetes".
func (d *Driver) Name() string { return "kubernetes" }

// Gateways is the driver itself.
func (d *Driver) Gateways() driver.Gateways { return d }

// GPUNodes are the simulator's: no GPU node pools yet.
func (d *Driver) GPUNodes() driver.GPUNodes { return d.nodes }

// Simulated is nil: fault labels and the autoscaler are simulator features.
func (d *Driver) Simulated() driver.Simulated { return nil }

// Events delivers crash loops (PhaseFailed) and restarts (PhaseStarting)
// seen by the informers.
func (d *Driver) Events() <-chan driver.Event { return d.events }

// Namespace is where the driver's objects live.
func (d *Driver) Namespace() string { return d.cfg.Namespace }

// Close stops the informers. Gateways keep running: the cluster runs them,
// and the next control plane adopts them.
func (d *Driver) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	if d.cancel != nil {
		d.cancel()
		d.factory.Shutdown()
	}
	return nil
}

// Versions is nil: any version is an image tag (the cluster pulls it, and a
// version that does not exist fails to pull).
func (d *Driver) Versions() []string { return nil }

// DefaultVersion leaves the choice to the control plane's release list.
func (d *Driver) DefaultVersion(string) string { return "" }

// URL is the Service's in-cluster address.
func (d *Driver) URL(g driver.Gateway) string {
	return kubeobjects.GatewayURL(d.cfg.Namespace, g.ID)
}

// spec is the objects' input for g; the token and secret values are those
// of g (set for Start only).
func (d *Driver) spec(g driver.Gateway, running bool) (kubeobjects.Spec, error) {
	cfg, err := json.MarshalIndent(driver.OpenClawConfig(g, driver.ConfigOptions{
		Port: kubeobjects.GatewayPort,
		// The Service reaches the pod on its own address, not loopback.
		Bind:      "lan",
		Workspace: kubeobjects.StateDir + "/workspace",
	}), "", "  ")
	if err != nil {
		return kubeobjects.Spec{}, err
	}
	return kubeobjects.Spec{
		EnvironmentID:   g.ID,
		Namespace:       d.cfg.Namespace,
		ImageRepository: d.cfg.ImageRepository,
		Version:         g.OpenClawVersion,
		CPUs:            g.CPUs,
		MemoryMB:        g.MemoryMB,
		StateVolumeGB:   g.StateVolumeGB,
		StorageClass:    d.cfg.StorageClass,
		Running:         running,
		ConfigJSON:      append(cfg, '\n'),
		GatewayToken:    g.Token,
		Secrets:         g.Secrets,
		SecretsRevision: secretsRevision(g),
	}, nil
}

// secretsRevision changes with any secret or the token without revealing
// them: the fingerprints are keyed hashes, the token is 256 random bits.
func secretsRevision(g driver.Gateway) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(g.SecretFingerprints)) {
		fmt.Fprintf(h, "secret %s=%s\n", k, g.SecretFingerprints[k])
	}
	fmt.Fprintf(h, "token=%s\n", g.Token)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Provision rewrites openclaw.json in the ConfigMap of an environment
// whose objects exist; a new environment's objects are all created by its
// first Start, which has the token and secrets they need.
func (d *Driver) Provision(ctx context.Context, g driver.Gateway) error {
	sts, err := d.sets.Get(kubeobjects.Name(g.ID))
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	s, err := d.spec(g, false)
	if err != nil {
		return err
	}
	return d.wrap("provision", g.ID, kubeobjects.ApplyConfig(ctx, d.cs, s, kubeobjects.Owner{Name: sts.Name, UID: sts.UID}))
}

// Start applies every object of the environment with one replica. A new
// version, config or secret changes the pod template; the outdated pod is
// then deleted (OnDelete) so that the StatefulSet starts one of the new
// template on the same claim, never two at once.
func (d *Driver) Start(ctx context.Context, g driver.Gateway) error {
	if g.Token == "" {
		return errors.New("kubernetes driver: Start needs the gateway token")
	}
	s, err := d.spec(g, true)
	if err != nil {
		return err
	}
	sts, err := kubeobjects.Apply(ctx, d.cs, s)
	if err != nil {
		return d.wrap("start", g.ID, err)
	}
	d.mu.Lock()
	d.applied[g.ID] = sts.Generation
	delete(d.reported, g.ID) // a Start forgets the last failure
	d.mu.Unlock()
	d.logger.Info("applied a gateway", "environment_id", g.ID, "statefulset", sts.Name, "generation", sts.Generation, "version", g.OpenClawVersion)
	return d.roll(ctx, g.ID)
}

// Stop scales the StatefulSet to zero: its pod gets its grace period (the
// drain) and the claim stays. drain is the pod template's grace period,
// OpenClaw's 5 minutes, whatever is asked.
func (d *Driver) Stop(ctx context.Context, id string, _ time.Duration) error {
	d.mu.Lock()
	delete(d.applied, id)
	d.mu.Unlock()
	return d.wrap("stop", id, kubeobjects.ScaleDown(ctx, d.cs, d.cfg.Namespace, id))
}

// Delete removes every object of a stopped environment: the StatefulSet
// (which owns the rest, so the garbage collector follows) and, by label,
// whatever a crash left without an owner; the API server removes the claim
// last, once no pod uses it.
func (d *Driver) Delete(ctx context.Context, id string) error {
	pods, err := d.podsOf(id)
	if err != nil {
		return err
	}
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			return fmt.Errorf("kubernetes driver: delete %s: %w (pod %s)", id, driver.ErrRunning, p.Name)
		}
	}
	if err := d.wrap("delete", id, kubeobjects.Delete(ctx, d.cs, d.cfg.Namespace, id)); err != nil {
		return err
	}
	d.mu.Lock()
	delete(d.applied, id)
	delete(d.reported, id)
	d.mu.Unlock()
	return nil
}

func (d *Driver) podsOf(id string) ([]*corev1.Pod, error) {
	sel, err := labels.Parse(kubeobjects.Selector(id))
	if err != nil {
		return nil, err
	}
	return d.pods.List(sel)
}

// Health is what the informers' cache says of the environment's
// StatefulSet and pod.
func (d *Driver) Health(ctx context.Context, id string) (driver.Health, error) {
	h := d.health(id)
	if h.Phase == driver.PhaseStarting {
		// An outdated pod is rolled here too, in case its event came
		// before the StatefulSet's.
		if err := d.roll(ctx, id); err != nil {
			return h, err
		}
	}
	return h, nil
}

func (d *Driver) health(id string) driver.Health {
	d.mu.Lock()
	want := d.applied[id]
	d.mu.Unlock()
	sts, err := d.sets.Get(kubeobjects.Name(id))
	if err != nil {
		if want > 0 {
			// Applied, but the informer has not delivered it yet (a watch
			// that reconnects after an outage takes a while).
			return driver.Health{Phase: driver.PhaseStarting, Message: "waiting for the new StatefulSet " + kubeobjects.Name(id) + " to be observed"}
		}
		return driver.Health{Phase: driver.PhaseStopped, Message: "no StatefulSet " + kubeobjects.Name(id)}
	}
	pods, _ := d.podsOf(id)
	var pod *corev1.Pod
	for _, p := range pods {
		if pod == nil || p.CreationTimestamp.After(pod.CreationTimestamp.Time) {
			pod = p
		}
	}
	if sts.Generation < want {
		// The cache has not seen our last Start yet.
		return driver.Health{Phase: driver.PhaseStarting, Message: "waiting for the StatefulSet's update to be observed"}
	}
	replicas := int32(1)
	if sts.Spec.Replicas != nil {
		replicas = *sts.Spec.Replicas
	}
	if replicas == 0 {
		if pod == nil {
			return driver.Health{Phase: driver.PhaseStopped, Message: "scaled to zero; the state volume is kept"}
		}
		return driver.Health{Phase: driver.PhaseStopping, Message: fmt.Sprintf("pod %s is terminating (grace period %ds)", pod.Name, kubeobjects.DrainSeconds)}
	}
	if sts.Status.ObservedGeneration < sts.Generation {
		return driver.Health{Phase: driver.PhaseStarting, Message: "waiting for the StatefulSet controller to see the new template"}
	}
	if pod == nil {
		return driver.Health{Phase: driver.PhaseStarting, Message: "waiting for the StatefulSet controller to create the pod"}
	}
	return podHealth(sts, pod, d.cfg.MaxRestarts)
}

// waitingFailed are container waiting reasons that retrying does not cure
// soon. ImagePullBackOff is a pull that already failed (a version whose
// image does not exist, most often): the kubelet keeps trying, but the
// apply should say so now rather than time out.
var waitingFailed = []string{"CrashLoopBackOff", "CreateContainerConfigError", "InvalidImageName", "CreateContainerError", "ImagePullBackOff"}

// podHealth reads the pod of a StatefulSet of one replica.
func podHealth(sts *appsv1.StatefulSet, pod *corev1.Pod, maxRestarts int) driver.Health {
	var cs *corev1.ContainerStatus
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == kubeobjects.ContainerName {
			cs = &pod.Status.ContainerStatuses[i]
		}
	}
	h := driver.Health{Phase: driver.PhaseStarting}
	if cs != nil {
		h.Restarts = int(cs.RestartCount)
	}
	switch {
	case pod.DeletionTimestamp != nil:
		h.Message = fmt.Sprintf("pod %s is terminating; the StatefulSet starts the new one once it is gone", pod.Name)
		return h
	case kubeobjects.Outdated(sts, pod):
		h.Message = fmt.Sprintf("pod %s runs an older template; replacing it", pod.Name)
		return h
	}
	if cs != nil && !cs.Ready {
		waiting := ""
		if cs.State.Waiting != nil {
			waiting = cs.State.Waiting.Reason
		}
		if slices.Contains(waitingFailed, waiting) || int(cs.RestartCount) >= maxRestarts && cs.RestartCount > 0 {
			h.Phase = driver.PhaseFailed
			h.Message = fmt.Sprintf("the gateway container of pod %s is failing (%s, %d restarts)%s", pod.Name, orString(waiting, "not ready"), cs.RestartCount, lastTermination(cs))
			if cs.State.Waiting != nil && cs.State.Waiting.Message != "" && cs.LastTerminationState.Terminated == nil {
				h.Message += ": " + cs.State.Waiting.Message
			}
			return h
		}
		if waiting != "" {
			h.Message = fmt.Sprintf("pod %s: container %s (%s)", pod.Name, waiting, cs.State.Waiting.Message)
			return h
		}
	}
	if podReady(pod) {
		h.Phase, h.Message = driver.PhaseReady, fmt.Sprintf("pod %s is ready", pod.Name)
		return h
	}
	h.Message = fmt.Sprintf("pod %s is %s%s", pod.Name, orString(string(pod.Status.Phase), "pending"), unscheduled(pod))
	return h
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// lastTermination describes how the container last ended: exit code,
// reason and its termination message (the log's tail when it wrote none).
func lastTermination(cs *corev1.ContainerStatus) string {
	t := cs.LastTerminationState.Terminated
	if t == nil {
		t = cs.State.Terminated
	}
	if t == nil {
		return ""
	}
	msg := fmt.Sprintf("; it last exited with code %d (%s)", t.ExitCode, orString(t.Reason, "no reason given"))
	if m := strings.TrimSpace(t.Message); m != "" {
		msg += ": " + m
	}
	return msg
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// unscheduled says why the scheduler has not placed the pod (an unbound
// claim, no node with room).
func unscheduled(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
			return ": not scheduled: " + c.Message
		}
	}
	return ""
}

// roll deletes the environment's outdated pod.
func (d *Driver) roll(ctx context.Context, id string) error {
	sts, err := d.sets.Get(kubeobjects.Name(id))
	if err != nil {
		return nil //nolint:nilerr // not in the cache yet: its event rolls it
	}
	if sts.Spec.Replicas != nil && *sts.Spec.Replicas == 0 {
		return nil
	}
	pods, err := d.podsOf(id)
	if err != nil {
		return err
	}
	for _, p := range pods {
		rolled, err := kubeobjects.Roll(ctx, d.cs, sts, p)
		if err != nil {
			return d.wrap("replace the pod of", id, err)
		}
		if rolled {
			d.logger.Info("replacing an outdated pod", "environment_id", id, "pod", p.Name, "revision", sts.Status.UpdateRevision)
		}
	}
	return nil
}

// observe handles an informer event of a StatefulSet or pod: it rolls an
// outdated pod and reports crash loops and restarts.
func (d *Driver) observe(obj any) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	id := m.GetLabels()[kubeobjects.LabelEnvironment]
	if id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.roll(ctx, id); err != nil {
		d.logger.Warn("roll a pod", "environment_id", id, "err", err)
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	h := d.health(id)
	if h.Phase != driver.PhaseFailed && h.Restarts == 0 {
		return
	}
	key := fmt.Sprintf("%s/%d/%s", pod.UID, h.Restarts, h.Phase)
	d.mu.Lock()
	if d.closed || d.reported[id] == key {
		d.mu.Unlock()
		return
	}
	d.reported[id] = key
	d.mu.Unlock()
	ev := driver.Event{GatewayID: id, Phase: h.Phase, Message: h.Message}
	if h.Phase != driver.PhaseFailed {
		ev.Message = fmt.Sprintf("the gateway container restarted (%d of %d allowed)%s", h.Restarts, d.cfg.MaxRestarts, containerTermination(pod))
	}
	d.logger.Warn("gateway event", "environment_id", id, "phase", ev.Phase, "restarts", h.Restarts)
	select {
	case d.events <- ev:
	default:
		d.logger.Warn("gateway event dropped (nobody reads them)", "environment_id", id)
	}
}

func containerTermination(pod *corev1.Pod) string {
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == kubeobjects.ContainerName {
			return lastTermination(&pod.Status.ContainerStatuses[i])
		}
	}
	return ""
}

// Logs returns the tail of the gateway container's log. A stopped
// environment has none.
func (d *Driver) Logs(ctx context.Context, id string, tail int) ([]string, error) {
	pods, err := d.podsOf(id)
	if err != nil || len(pods) == 0 {
		return nil, err
	}
	lines := int64(tail)
	pod := pods[0]
	raw, err := d.cs.CoreV1().Pods(d.cfg.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: kubeobjects.ContainerName, TailLines: &lines}).DoRaw(ctx)
	if err != nil {
		var status apierrors.APIStatus
		if errors.As(err, &status) && status.Status().Code >= 500 {
			// The API server answered but could not get the log from the
			// node's kubelet: a node that serves none (the tests' kwok
			// nodes), or one that is down.
			return nil, fmt.Errorf("%w: the node of pod %s/%s did not serve its logs: %v", driver.ErrNotSupported, d.cfg.Namespace, pod.Name, err)
		}
		return nil, d.wrap("read the logs of", id, err)
	}
	text := strings.TrimRight(string(raw), "\n")
	if text == "" {
		return nil, nil
	}
	return strings.Split(text, "\n"), nil
}

// CanBackup is false: the server refuses snapshots and restores up front.
func (d *Driver) CanBackup() bool { return false }

// Backup is not supported yet: the state volume is only reachable from
// inside the pod (docs/guides/drivers.md).
func (d *Driver) Backup(context.Context, string, string) (driver.Backup, error) {
	return driver.Backup{}, fmt.Errorf("kubernetes driver: snapshots: %w", driver.ErrNotSupported)
}

// Restore is not supported yet (see Backup).
func (d *Driver) Restore(context.Context, string, string) error {
	return fmt.Errorf("kubernetes driver: restore: %w", driver.ErrNotSupported)
}

// wrap names the environment and says whether the failure is the API
// server's (transient: the engine retries the step) or a refusal.
func (d *Driver) wrap(what, id string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, kubeobjects.ErrResizeRefused):
		return fmt.Errorf("kubernetes driver: %s environment %s: %w: %w", what, id, driver.ErrRejected, err)
	case kubeobjects.IsTransient(err):
		return fmt.Errorf("kubernetes driver: %s environment %s: the Kubernetes API server at %s is unreachable or failing (%w, retried): %w", what, id, d.host, driver.ErrTransient, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("kubernetes driver: %s environment %s: forbidden in namespace %s (apply examples/kubernetes/rbac.yaml): %w", what, id, d.cfg.Namespace, err)
	}
	return fmt.Errorf("kubernetes driver: %s environment %s: %w", what, id, err)
}
