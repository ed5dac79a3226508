package kubetest_test

import (
	"context"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

// The version the clients see is the release's: without the -ldflags stamp
// it would be v0.0.0-master, which clients refuse.
func TestClusterVersion(t *testing.T) {
	cs := kubetest.Client(t)
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != "v1.36.3" || v.Major != "1" || v.Minor != "36" {
		t.Errorf("server version = %s (major %q, minor %q), want v1.36.3", v.GitVersion, v.Major, v.Minor)
	}
}

// What the Kubernetes driver will rely on: a one-replica StatefulSet with a
// volume claim template gets its claim bound to a pre-created volume, its pod
// scheduled on the fake node and reported Running and ready by kwok.
func TestStatefulSetPodRuns(t *testing.T) {
	cs := kubetest.Client(t)
	ns := kubetest.Namespace(t, cs)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const set, claimTemplate = "gateway", "state"
	claim := claimTemplate + "-" + set + "-0" // the StatefulSet controller's naming
	class := "kubetest-" + ns                 // binds this volume to this test's claim only
	size := resource.MustParse("1Gi")

	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-state"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			StorageClassName:              class,
			ClaimRef:                      &corev1.ObjectReference{Namespace: ns, Name: claim},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: "/var/lib/kubetest/" + ns},
			},
		},
	}
	if _, err := cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cs.CoreV1().PersistentVolumes().Delete(context.Background(), pv.Name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete volume %s: %v", pv.Name, err)
		}
	})

	labels := map[string]string{"app": set}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: set, Namespace: ns},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To[int32](1),
			ServiceName: set,
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:         "gateway",
						Image:        "ghcr.io/openclaw/openclaw:test", // never pulled: kwok runs no containers
						VolumeMounts: []corev1.VolumeMount{{Name: claimTemplate, MountPath: "/home/node/.openclaw"}},
					}},
				},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: claimTemplate},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					StorageClassName: &class,
					Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
				},
			}},
		},
	}
	if _, err := cs.AppsV1().StatefulSets(ns).Create(ctx, sts, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	pod := kubetest.Until(t, ctx, "pod "+set+"-0 to run and be ready",
		kubetest.ListWatch(cs.CoreV1().RESTClient(), "pods", ns, func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", set+"-0").String()
		}),
		func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning && podReady(p) })
	if pod.Spec.NodeName != kubetest.NodeName {
		t.Errorf("pod runs on node %q, want %q", pod.Spec.NodeName, kubetest.NodeName)
	}

	// The scheduler needs only the claim's volume name; its Bound phase
	// may follow the pod.
	pvc := kubetest.Until(t, ctx, "claim "+claim+" to be bound",
		kubetest.ListWatch(cs.CoreV1().RESTClient(), "persistentvolumeclaims", ns, nil),
		func(p *corev1.PersistentVolumeClaim) bool {
			return p.Name == claim && p.Status.Phase == corev1.ClaimBound
		})
	if pvc.Spec.VolumeName != pv.Name {
		t.Errorf("claim %s is bound to volume %q, want %q", claim, pvc.Spec.VolumeName, pv.Name)
	}

	got := kubetest.Until(t, ctx, "StatefulSet "+set+" to report one ready replica",
		kubetest.ListWatch(cs.AppsV1().RESTClient(), "statefulsets", ns, nil),
		func(s *appsv1.StatefulSet) bool { return s.Name == set && s.Status.ReadyReplicas == 1 })
	if got.Status.Replicas != 1 {
		t.Errorf("StatefulSet has %d replicas, want 1", got.Status.Replicas)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
