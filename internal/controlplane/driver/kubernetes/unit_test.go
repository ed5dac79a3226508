package kubernetes_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/kubernetes/scheme"

	kubedriver "github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes"
)

// The Role shipped in examples/kubernetes/rbac.yaml grants exactly the
// verbs the driver uses (kubedriver.Permissions, which New checks): no
// fewer, or the driver fails, and no more.
func TestShippedRoleIsExact(t *testing.T) {
	data, err := os.ReadFile("../../../../examples/kubernetes/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var role *rbacv1.Role
	for _, doc := range strings.Split(string(data), "\n---\n") {
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("decode %q: %v", doc, err)
		}
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
