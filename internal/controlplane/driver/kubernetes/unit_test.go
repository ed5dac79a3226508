package kubernetes_test

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	kubedriver "github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubetest"
)

// The Role shipped in examples/kubernetes/rbac.yaml grants exactly the
// verbs the driver uses (kubedriver.Permissions, which New checks): no
// fewer, or the driver fails, and no more.
func TestShippedRoleIsExact(t *testing.T) {
	var role *rbacv1.Role
	for _, obj := range kubetest.Decode(t, "../../../../examples/kubernetes/rbac.yaml") {
		if r, ok := obj.(*rbacv1.Role); ok {
			role = r
		}
	}
	if role == nil {
		t.Fatal("no Role in rbac.yaml")
	}
	granted := map[string][]string{}
	for _, rule := range role.Rules {
		if len(rule.ResourceNames) > 0 || len(rule.NonResourceURLs) > 0 {
			t.Errorf("rule %+v: resource names and URLs are not used", rule)
		}
		for _, g := range rule.APIGroups {
			for _, r := range rule.Resources {
				key := g + "/" + r
				granted[key] = append(granted[key], rule.Verbs...)
			}
		}
	}
	want := map[string][]string{}
	for _, p := range kubedriver.Permissions {
		want[p.Group+"/"+p.Resource] = p.Verbs
	}
	for key, verbs := range want {
		got := slices.Sorted(slices.Values(granted[key]))
		if w := slices.Sorted(slices.Values(verbs)); !slices.Equal(got, w) {
			t.Errorf("%s: the Role grants %v, the driver uses %v", key, got, w)
		}
	}
	for key := range granted {
		if _, ok := want[key]; !ok {
			t.Errorf("%s: granted by the Role, never used by the driver", key)
		}
	}
}

// examples/kubernetes/controlplane.yaml is valid, runs the Kubernetes
// driver as the ServiceAccount of rbac.yaml, in its namespace.
func TestControlPlaneExample(t *testing.T) {
	objects := func(file string) []runtime.Object { return kubetest.Decode(t, "../../../../examples/kubernetes/"+file) }
	var account *corev1.ServiceAccount
	for _, obj := range objects("rbac.yaml") {
		if sa, ok := obj.(*corev1.ServiceAccount); ok {
			account = sa
		}
	}
	var dep *appsv1.Deployment
	for _, obj := range objects("controlplane.yaml") {
		if d, ok := obj.(*appsv1.Deployment); ok {
			dep = d
		}
	}
	if account == nil || dep == nil {
		t.Fatal("rbac.yaml needs a ServiceAccount and controlplane.yaml a Deployment")
	}
	spec := dep.Spec.Template.Spec
	if spec.ServiceAccountName != account.Name || dep.Namespace != account.Namespace {
		t.Errorf("the Deployment runs as %s/%s, rbac.yaml grants %s/%s", dep.Namespace, spec.ServiceAccountName, account.Namespace, account.Name)
	}
	if args := spec.Containers[0].Args; !slices.Contains(args, "--driver=kubernetes") {
		t.Errorf("args %v do not choose the Kubernetes driver", args)
	}
}

func TestRESTConfigErrors(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	if _, err := kubedriver.RESTConfig(""); err == nil || !strings.Contains(err.Error(), "--kubeconfig") || !strings.Contains(err.Error(), "in-cluster") {
		t.Errorf("RESTConfig outside a cluster without a kubeconfig = %v", err)
	}
	if _, err := kubedriver.RESTConfig("/nonexistent/kubeconfig"); err == nil || !strings.Contains(err.Error(), "/nonexistent/kubeconfig") {
		t.Errorf("RESTConfig of a missing file = %v", err)
	}
}
