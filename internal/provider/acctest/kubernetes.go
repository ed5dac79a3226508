package acctest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	kubedriver "github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubetest"
)

// Kube is the cluster side of a StartKubernetes test.
type Kube struct {
	// Client is an admin client of the test cluster.
	Client kubernetes.Interface
	// Namespace holds this test's environments (deleted when it ends).
	Namespace string
	// StorageClass names this test's pre-created volumes.
	StorageClass string
}

// StartKubernetes is Start on the Kubernetes driver against the test
// cluster (kubetest: tools/test.sh starts one; the test is skipped when
// none is configured). Each test gets a namespace of its own and
// volumes of 1 GiB in a storage class of its own, for its environments'
// claims to bind to: the test cluster has no provisioner.
// Each tweak may change the options (a log writer, the driver's client
// configuration) before the control plane starts.
func StartKubernetes(t *testing.T, volumes int, tweak ...func(*Options)) (*ControlPlane, *Kube) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test on the Kubernetes driver: run through make test (TF_ACC=1, starts a cluster)")
	}
	if External() {
		t.Skip("the Kubernetes driver tests run an in-process control plane (unset OPENCLAW_ENDPOINT)")
	}
	admin := kubetest.Client(t)
	ns := kubetest.Namespace(t, admin)
	k := &Kube{Client: admin, Namespace: ns, StorageClass: "acc-" + ns}
	for i := range volumes {
		k.volume(t, fmt.Sprintf("%s-%d", ns, i))
	}
	o := Options{Kubernetes: &kubedriver.Config{
		REST:         kubetest.Config(t),
		Namespace:    ns,
		StorageClass: k.StorageClass,
		MaxRestarts:  3,
		SyncTimeout:  time.Minute,
	}}
	for _, f := range tweak {
		f(&o)
	}
	return Start(t, o), k
}

// volume creates a PersistentVolume that any claim of the test's class
// binds to.
func (k *Kube) volume(t *testing.T, name string) {
	t.Helper()
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              k.StorageClass,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/lib/acctest/" + name}},
		},
	}
	if _, err := k.Client.CoreV1().PersistentVolumes().Create(context.Background(), pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		err := k.Client.CoreV1().PersistentVolumes().Delete(context.Background(), name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete volume %s: %v", name, err)
		}
	})
}
