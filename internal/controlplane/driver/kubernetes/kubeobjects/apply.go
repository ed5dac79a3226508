package kubeobjects

import (
	"context"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// ErrResizeRefused wraps the API server's refusal to grow a claim, which is
// what a storage class without allowVolumeExpansion (or a statically
// provisioned volume) gets.
var ErrResizeRefused = errors.New("the cluster refused to grow the state volume")

// applyOptions force: we own the fields we apply, even if someone edited
// them by hand since.
var applyOptions = metav1.ApplyOptions{FieldManager: FieldManager, Force: true}

// Apply makes the environment's objects match s and returns the applied
// StatefulSet. It is idempotent and may be repeated after a crash at any
// point: on a first apply the ConfigMap and Secret are written before the
// StatefulSet (so its pod finds them) and again after it, with the
// StatefulSet as their owner.
func Apply(ctx context.Context, cs kubernetes.Interface, s Spec) (*appsv1.StatefulSet, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	name := Name(s.EnvironmentID)
	var owner *Owner
	claimGB := s.StateVolumeGB
	existing, err := cs.AppsV1().StatefulSets(s.Namespace).Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		owner = &Owner{Name: existing.Name, UID: existing.UID}
		if gb, ok := templateGB(existing); ok {
			claimGB = gb
		}
	case apierrors.IsNotFound(err):
	default:
		return nil, fmt.Errorf("read StatefulSet %s/%s: %w", s.Namespace, name, err)
	}

	if err := applyOwned(ctx, cs, s, owner); err != nil {
		return nil, err
	}
	sts, err := cs.AppsV1().StatefulSets(s.Namespace).Apply(ctx, StatefulSet(s, claimGB), applyOptions)
	if err != nil {
		return nil, fmt.Errorf("apply StatefulSet %s/%s: %w", s.Namespace, name, err)
	}
	if owner == nil {
		if err := applyOwned(ctx, cs, s, &Owner{Name: sts.Name, UID: sts.UID}); err != nil {
			return nil, err
		}
	}
	if s.StateVolumeGB > claimGB {
		if err := resize(ctx, cs, s); err != nil {
			return nil, err
		}
	}
	return sts, nil
}

// applyOwned applies the objects the StatefulSet owns.
func applyOwned(ctx context.Context, cs kubernetes.Interface, s Spec, owner *Owner) error {
	core := cs.CoreV1()
	if _, err := core.ConfigMaps(s.Namespace).Apply(ctx, ConfigMap(s, owner), applyOptions); err != nil {
		return fmt.Errorf("apply ConfigMap %s/%s: %w", s.Namespace, Name(s.EnvironmentID), err)
	}
	if _, err := core.Secrets(s.Namespace).Apply(ctx, Secret(s, owner), applyOptions); err != nil {
		// The error names the object, never its data.
		return fmt.Errorf("apply Secret %s/%s: %w", s.Namespace, Name(s.EnvironmentID), err)
	}
	if owner == nil {
		return nil // the Service can wait for its owner
	}
	if _, err := core.Services(s.Namespace).Apply(ctx, Service(s, owner), applyOptions); err != nil {
		return fmt.Errorf("apply Service %s/%s: %w", s.Namespace, Name(s.EnvironmentID), err)
	}
	return nil
}

// resize asks for the claim to grow with a merge patch, which (unlike an
// apply) never creates a claim: one that does not exist yet is made from
// the template at the first start and grown by the next Apply.
func resize(ctx context.Context, cs kubernetes.Interface, s Spec) error {
	name := ClaimName(s.EnvironmentID)
	size := gigabytes(s.StateVolumeGB)
	patch := fmt.Sprintf(`{"spec":{"resources":{"requests":{"storage":%q}}}}`, size.String())
	_, err := cs.CoreV1().PersistentVolumeClaims(s.Namespace).Patch(ctx, name, types.MergePatchType, []byte(patch),
		metav1.PatchOptions{FieldManager: FieldManager})
	switch {
	case err == nil || apierrors.IsNotFound(err):
		return nil
	case apierrors.IsForbidden(err) || apierrors.IsInvalid(err):
		return fmt.Errorf("%w: claim %s/%s to %d GiB (its storage class must allow volume expansion): %v", ErrResizeRefused, s.Namespace, name, s.StateVolumeGB, err)
	default:
		return fmt.Errorf("resize claim %s/%s: %w", s.Namespace, name, err)
	}
}

// ApplyConfig rewrites the ConfigMap of an environment whose StatefulSet
// exists (owner), keeping its owner reference.
func ApplyConfig(ctx context.Context, cs kubernetes.Interface, s Spec, owner Owner) error {
	if _, err := cs.CoreV1().ConfigMaps(s.Namespace).Apply(ctx, ConfigMap(s, &owner), applyOptions); err != nil {
		return fmt.Errorf("apply ConfigMap %s/%s: %w", s.Namespace, Name(s.EnvironmentID), err)
	}
	return nil
}

// ScaleDown sets the StatefulSet's replicas to zero through its scale
// subresource, which needs no other field of the spec: the controller
// deletes the pod (after its grace period, the drain) and keeps the
// claim. A StatefulSet that does not exist is already stopped.
func ScaleDown(ctx context.Context, cs kubernetes.Interface, namespace, environmentID string) error {
	name := Name(environmentID)
	_, err := cs.AppsV1().StatefulSets(namespace).Patch(ctx, name, types.MergePatchType, []byte(`{"spec":{"replicas":0}}`),
		metav1.PatchOptions{FieldManager: FieldManager}, "scale")
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("scale StatefulSet %s/%s to 0: %w", namespace, name, err)
	}
	return nil
}

// Outdated reports whether pod runs an older revision of sts than its
// current template: with the OnDelete strategy the pod must be deleted for
// the controller to create one of the new revision. It is false until the
// controller has seen the latest spec.
func Outdated(sts *appsv1.StatefulSet, pod *corev1.Pod) bool {
	if sts.Status.ObservedGeneration < sts.Generation || sts.Status.UpdateRevision == "" {
		return false
	}
	return pod.DeletionTimestamp == nil && pod.Labels[appsv1.ControllerRevisionHashLabelKey] != sts.Status.UpdateRevision
}

// Roll deletes pod when it is outdated (see Outdated), and reports whether
// it did. The precondition on its UID never deletes a newer pod of the
// same name.
func Roll(ctx context.Context, cs kubernetes.Interface, sts *appsv1.StatefulSet, pod *corev1.Pod) (bool, error) {
	if !Outdated(sts, pod) {
		return false, nil
	}
	err := cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return false, fmt.Errorf("delete outdated pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return err == nil, nil
}

// templateGB is the size of the StatefulSet's claim template in GiB.
func templateGB(sts *appsv1.StatefulSet) (int64, bool) {
	for _, t := range sts.Spec.VolumeClaimTemplates {
		if t.Name == ClaimTemplate {
			q, ok := t.Spec.Resources.Requests[corev1.ResourceStorage]
			if !ok {
				return 0, false
			}
			return q.Value() / (1024 * 1024 * 1024), true
		}
	}
	return 0, false
}

// Delete starts deleting every object of the environment: the StatefulSet
// in the foreground (its pod goes first), the objects it owns, and any that
// a crash left without an owner. The claim goes last: the API server keeps
// it until no pod uses it. Deleting what is already gone is not an error.
func Delete(ctx context.Context, cs kubernetes.Interface, namespace, environmentID string) error {
	name := Name(environmentID)
	foreground := metav1.DeletePropagationForeground
	ignoreGone := func(what string, err error) error {
		if err == nil || apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("delete %s of environment %s: %w", what, environmentID, err)
	}
	byLabel := metav1.ListOptions{LabelSelector: Selector(environmentID)}
	core := cs.CoreV1()
	return errors.Join(
		ignoreGone("StatefulSet", cs.AppsV1().StatefulSets(namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &foreground})),
		ignoreGone("Service", core.Services(namespace).Delete(ctx, name, metav1.DeleteOptions{})),
		ignoreGone("ConfigMaps", core.ConfigMaps(namespace).DeleteCollection(ctx, metav1.DeleteOptions{}, byLabel)),
		ignoreGone("Secrets", core.Secrets(namespace).DeleteCollection(ctx, metav1.DeleteOptions{}, byLabel)),
		ignoreGone("claims", core.PersistentVolumeClaims(namespace).DeleteCollection(ctx, metav1.DeleteOptions{}, byLabel)),
	)
}
