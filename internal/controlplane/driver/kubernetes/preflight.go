package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"strings"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubeobjects"
)

// Permission is one rule of the Role the driver needs in its namespace.
type Permission struct {
	Group    string
	Resource string // "statefulsets/scale" for a subresource
	Verbs    []string
}

// Permissions are exactly the verbs the driver (and kubeobjects) use;
// examples/kubernetes/rbac.yaml grants these and no more (a test compares
// them). Server-side apply is a patch, and a create for a new object.
var Permissions = []Permission{
	// Apply reads the StatefulSet's claim size; informers list and watch;
	// Delete deletes it.
	{"apps", "statefulsets", []string{"get", "list", "watch", "create", "patch", "delete"}},
	// Stop scales to zero without re-applying the spec.
	{"apps", "statefulsets/scale", []string{"patch"}},
	{"", "services", []string{"create", "patch", "delete"}},
	// Deleted by label: a crash may leave them without their owner.
	{"", "configmaps", []string{"create", "patch", "deletecollection"}},
	{"", "secrets", []string{"create", "patch", "deletecollection"}},
	// Growing the state volume patches the claim.
	{"", "persistentvolumeclaims", []string{"patch", "deletecollection"}},
	// Informers list and watch; a version change deletes the outdated pod.
	{"", "pods", []string{"list", "watch", "delete"}},
	{"", "pods/log", []string{"get"}},
}

// preflight checks what would otherwise fail on the first environment:
// the API server answers, the namespace exists, and every permission is
// granted (self subject access reviews, which every authenticated user
// may make).
func (d *Driver) preflight(ctx context.Context) error {
	ns := d.cfg.Namespace
	// A dry-run create fails with NotFound exactly when the namespace does
	// not exist, and needs only a verb of the Role.
	probe := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "openclaw-preflight-", Namespace: ns}}
	_, err := d.cs.CoreV1().ConfigMaps(ns).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: kubeobjects.FieldManager})
	switch {
	case err == nil, apierrors.IsForbidden(err):
		// Forbidden is named precisely below.
	case apierrors.IsNotFound(err):
		return fmt.Errorf("kubernetes driver: namespace %q does not exist at %s: create it (kubectl create namespace %s) and apply examples/kubernetes/rbac.yaml to it, or choose another with --kube-namespace", ns, d.host, ns)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("kubernetes driver: the Kubernetes API server at %s refused the credentials: %w", d.host, err)
	case kubeobjects.IsTransient(err):
		return fmt.Errorf("kubernetes driver: cannot reach the Kubernetes API server at %s (check --kubeconfig / KUBECONFIG): %w", d.host, err)
	default:
		return fmt.Errorf("kubernetes driver: checking namespace %q at %s: %w", ns, d.host, err)
	}
	var missing []string
	for _, p := range Permissions {
		resource, sub, _ := strings.Cut(p.Resource, "/")
		for _, verb := range p.Verbs {
			review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
				ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb, Group: p.Group, Resource: resource, Subresource: sub},
			}}
			res, err := d.cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
			if err != nil {
				return fmt.Errorf("kubernetes driver: checking permissions at %s: %w", d.host, err)
			}
			if !res.Status.Allowed {
				missing = append(missing, verb+" "+qualified(p))
			}
		}
	}
	if len(missing) > 0 {
		return errors.New("kubernetes driver: RBAC: the control plane's identity may not " + strings.Join(missing, ", ") +
			" in namespace " + ns + "; apply examples/kubernetes/rbac.yaml (a Role with exactly the verbs the driver uses) and bind it to this identity")
	}
	return nil
}

func qualified(p Permission) string {
	if p.Group == "" {
		return p.Resource
	}
	resource, sub, ok := strings.Cut(p.Resource, "/")
	if ok {
		return resource + "." + p.Group + "/" + sub
	}
	return p.Resource + "." + p.Group
}
