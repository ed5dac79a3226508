// Package kubetest gives tests a real Kubernetes API server: the cluster that
// tools/kubernetes.sh starts (etcd, kube-apiserver, controller manager,
// scheduler, and kwok with one fake node on which pods run without
// containers).
//
// A test package opts in with
//
//	func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
//
// and calls Client or Config in each test. The cluster is one of:
//   - the one OPENCLAW_TEST_KUBECONFIG points at (a kubeconfig file), else
//   - with OPENCLAW_TEST_KUBE=1, a throwaway cluster started on the first
//     call (the first start on a machine builds Kubernetes, several minutes)
//     and stopped when the package's tests end.
//
// Otherwise the tests that need it are skipped, which is their only skip.
package kubetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	watchtools "k8s.io/client-go/tools/watch"
)

const (
	// EnvKubeconfig names the kubeconfig of an existing cluster to test on.
	EnvKubeconfig = "OPENCLAW_TEST_KUBECONFIG"
	// EnvEnable, set to 1, starts a throwaway cluster when EnvKubeconfig is
	// not set.
	EnvEnable = "OPENCLAW_TEST_KUBE"
	// NodeName is the fake node of a cluster that tools/kubernetes.sh starts.
	NodeName = "kwok-node-0"
)

var cluster struct {
	sync.Mutex
	started    bool   // Main's cleanup stops it
	dir        string // the cluster's state directory
	script     string
	kubeconfig string
	err        error
}

// Main runs the package's tests and stops the cluster they started, if any.
func Main(m *testing.M) int {
	code := m.Run()
	cluster.Lock()
	defer cluster.Unlock()
	if cluster.started {
		if out, err := exec.Command(cluster.script, "stop", cluster.dir).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "kubetest: stopping the cluster in %s: %v\n%s", cluster.dir, err, out)
			if code == 0 {
				code = 1
			}
		}
		_ = os.RemoveAll(cluster.dir)
	}
	return code
}

// Kubeconfig returns the path of the test cluster's admin kubeconfig,
// starting the cluster if this is the first call, or skips the test when no
// cluster is configured.
func Kubeconfig(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(EnvKubeconfig); p != "" {
		return p
	}
	if os.Getenv(EnvEnable) != "1" {
		t.Skip("no Kubernetes cluster: set " + EnvEnable + "=1 to start one with tools/kubernetes.sh, or " + EnvKubeconfig + " to use one")
	}
	cluster.Lock()
	defer cluster.Unlock()
	if cluster.kubeconfig == "" && cluster.err == nil {
		cluster.kubeconfig, cluster.err = start()
	}
	if cluster.err != nil {
		t.Fatal(cluster.err)
	}
	return cluster.kubeconfig
}

// start runs tools/kubernetes.sh start in a new directory; the caller holds
// the lock.
func start() (string, error) {
	script, err := findScript()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "openclaw-kube-")
	if err != nil {
		return "", err
	}
	cluster.script, cluster.dir = script, dir
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(script, "start", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err = cmd.Run()
	// Even a failed start may have left components running.
	cluster.started = true
	if err != nil {
		return "", fmt.Errorf("tools/kubernetes.sh start %s: %v\n%s", dir, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	path := lines[len(lines)-1]
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("tools/kubernetes.sh start printed %q, which is not a kubeconfig: %v", path, err)
	}
	fmt.Fprintf(os.Stderr, "kubetest: cluster started in %s\n%s", time.Since(began).Round(time.Millisecond), stderr.String())
	return path, nil
}

// findScript walks up from the working directory (a package's directory
// under `go test`) to the repository root.
func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "tools", "kubernetes.sh")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("tools/kubernetes.sh not found above the working directory")
		}
		dir = parent
	}
}

// Config returns a client configuration for the test cluster (see
// Kubeconfig).
func Config(t testing.TB) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", Kubeconfig(t))
	if err != nil {
		t.Fatalf("load the test cluster's kubeconfig: %v", err)
	}
	return cfg
}

// Client returns a clientset for the test cluster (see Kubeconfig).
func Client(t testing.TB) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(Config(t))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// Namespace creates a randomly named namespace, deleted when the test ends,
// and returns its name.
func Namespace(t testing.TB, cs kubernetes.Interface) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "test-" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		err := cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", name, err)
		}
	})
	return name
}

// Until lists and then watches the objects lw yields until cond holds for
// one of them, and returns that object. It fails the test when ctx ends
// first, naming what it waited for.
func Until[T runtime.Object](t testing.TB, ctx context.Context, what string, lw cache.ListerWatcher, cond func(T) bool) T {
	t.Helper()
	// The informer needs a value of the type, not a nil pointer.
	var zero T
	objType := reflect.New(reflect.TypeOf(zero).Elem()).Interface().(runtime.Object)
	ev, err := watchtools.UntilWithSync(ctx, lw, objType, nil, func(ev watch.Event) (bool, error) {
		if ev.Type == watch.Deleted || ev.Type == watch.Error {
			return false, nil
		}
		obj, ok := ev.Object.(T)
		return ok && cond(obj), nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
	return ev.Object.(T)
}

// ListWatch is a ListerWatcher of one resource in namespace (empty for a
// cluster-scoped resource) of a typed client's REST client, such as
// cs.CoreV1().RESTClient() with "pods".
func ListWatch(c cache.Getter, resource, namespace string, opts func(*metav1.ListOptions)) cache.ListerWatcher {
	if opts == nil {
		opts = func(*metav1.ListOptions) {}
	}
	return cache.NewFilteredListWatchFromClient(c, resource, namespace, opts)
}

// UntilEmpty watches the objects lw yields until there are none, and fails
// the test, naming what is left, when ctx ends first.
func UntilEmpty[T runtime.Object](t testing.TB, ctx context.Context, what string, lw cache.ListerWatcher) {
	t.Helper()
	var zero T
	changed := make(chan struct{}, 1)
	wake := func(any) {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	store, informer := cache.NewInformerWithOptions(cache.InformerOptions{
		ListerWatcher: lw,
		ObjectType:    reflect.New(reflect.TypeOf(zero).Elem()).Interface().(runtime.Object),
		Handler: cache.ResourceEventHandlerFuncs{
			AddFunc:    wake,
			UpdateFunc: func(_, obj any) { wake(obj) },
			DeleteFunc: wake,
		},
	})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go informer.RunWithContext(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
	}
	for {
		left := store.ListKeys()
		if len(left) == 0 {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: still there: %v", what, left)
		}
	}
}

// Decode reads the YAML documents of file (separated by "---" lines) as
// typed objects.
func Decode(t testing.TB, file string) []runtime.Object {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []runtime.Object
	for _, doc := range strings.Split(string(data), "\n---\n") {
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("%s: decode %q: %v", file, doc, err)
		}
		out = append(out, obj)
	}
	return out
}

// AsServiceAccount creates the ServiceAccount, Role and RoleBinding of the
// RBAC file (examples/kubernetes/rbac.yaml) in namespace ns, edit changing
// the Role first when not nil, and returns a client configuration of the
// test cluster that impersonates that ServiceAccount.
func AsServiceAccount(t testing.TB, admin kubernetes.Interface, ns, file string, edit func(*rbacv1.Role)) *rest.Config {
	t.Helper()
	c := context.Background()
	var account string
	for _, obj := range Decode(t, file) {
		var err error
		switch o := obj.(type) {
		case *corev1.ServiceAccount:
			o.Namespace, account = ns, o.Name
			_, err = admin.CoreV1().ServiceAccounts(ns).Create(c, o, metav1.CreateOptions{})
		case *rbacv1.Role:
			o.Namespace = ns
			if edit != nil {
				edit(o)
			}
			_, err = admin.RbacV1().Roles(ns).Create(c, o, metav1.CreateOptions{})
		case *rbacv1.RoleBinding:
			o.Namespace = ns
			for i := range o.Subjects {
				o.Subjects[i].Namespace = ns
			}
			_, err = admin.RbacV1().RoleBindings(ns).Create(c, o, metav1.CreateOptions{})
		default:
			t.Fatalf("unexpected %T in %s", obj, file)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if account == "" {
		t.Fatalf("no ServiceAccount in %s", file)
	}
	cfg := Config(t)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + ns + ":" + account}
	return cfg
}

// UntilNothingLeft waits until namespace ns holds no StatefulSet, pod,
// claim, ConfigMap, Secret or Service that selector (a label selector)
// matches: the garbage collector deletes owned objects in the background.
func UntilNothingLeft(t testing.TB, ctx context.Context, cs kubernetes.Interface, ns, selector string) {
	t.Helper()
	sel := func(o *metav1.ListOptions) { o.LabelSelector = selector }
	core := cs.CoreV1().RESTClient()
	UntilEmpty[*appsv1.StatefulSet](t, ctx, "the StatefulSets to be gone", ListWatch(cs.AppsV1().RESTClient(), "statefulsets", ns, sel))
	UntilEmpty[*corev1.Pod](t, ctx, "the pods to be gone", ListWatch(core, "pods", ns, sel))
	UntilEmpty[*corev1.PersistentVolumeClaim](t, ctx, "the claims to be gone", ListWatch(core, "persistentvolumeclaims", ns, sel))
	UntilEmpty[*corev1.ConfigMap](t, ctx, "the ConfigMaps to be gone", ListWatch(core, "configmaps", ns, sel))
	UntilEmpty[*corev1.Secret](t, ctx, "the Secrets to be gone", ListWatch(core, "secrets", ns, sel))
	UntilEmpty[*corev1.Service](t, ctx, "the Services to be gone", ListWatch(core, "services", ns, sel))
}
