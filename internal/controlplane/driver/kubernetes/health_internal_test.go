package kubernetes

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubeobjects"
)

// What Health makes of the pod statuses a kubelet reports (kwok reports
// only Running and Ready, so the others are written here).
func TestPodHealth(t *testing.T) {
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Generation: 2},
		Status:     appsv1.StatefulSetStatus{ObservedGeneration: 2, UpdateRevision: "oc-env-1-new"},
	}
	pod := func(revision string, ready bool, cs *corev1.ContainerStatus, conds ...corev1.PodCondition) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "oc-env-1-0", Labels: map[string]string{appsv1.ControllerRevisionHashLabelKey: revision}}}
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = append([]corev1.PodCondition{{Type: corev1.PodReady, Status: status}}, conds...)
		if cs != nil {
			cs.Name = kubeobjects.ContainerName
			p.Status.ContainerStatuses = []corev1.ContainerStatus{*cs}
		}
		return p
	}
	waiting := func(reason, msg string, restarts int32, last *corev1.ContainerStateTerminated) *corev1.ContainerStatus {
		return &corev1.ContainerStatus{RestartCount: restarts,
			State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}},
			LastTerminationState: corev1.ContainerState{Terminated: last}}
	}
	pending := pod("oc-env-1-new", false, nil, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
		Message: `0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims`})
	pending.Status.Phase = corev1.PodPending
	for _, c := range []struct {
		name  string
		pod   *corev1.Pod
		phase driver.Phase
		says  []string
	}{
		{"ready", pod("oc-env-1-new", true, &corev1.ContainerStatus{Ready: true}), driver.PhaseReady, []string{"is ready"}},
		{"an older template", pod("oc-env-1-old", true, &corev1.ContainerStatus{Ready: true}), driver.PhaseStarting, []string{"older template"}},
		{"not scheduled", pending, driver.PhaseStarting, []string{"not scheduled", "unbound immediate PersistentVolumeClaims"}},
		{"crash loop", pod("oc-env-1-new", false, waiting("CrashLoopBackOff", "back-off 40s", 2, &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", Message: "Invalid config"})),
			driver.PhaseFailed, []string{"CrashLoopBackOff", "2 restarts", "exited with code 1 (Error): Invalid config"}},
		{"restarted too often", pod("oc-env-1-new", false, &corev1.ContainerStatus{RestartCount: 3,
			State:                corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}),
			driver.PhaseFailed, []string{"3 restarts", "code 137 (OOMKilled)"}},
		{"one restart", pod("oc-env-1-new", false, &corev1.ContainerStatus{RestartCount: 1, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}),
			driver.PhaseStarting, []string{"is Running"}},
		{"image that cannot be pulled", pod("oc-env-1-new", false, waiting("ImagePullBackOff", `Back-off pulling image "ghcr.io/openclaw/openclaw:2099.1.1"`, 0, nil)),
			driver.PhaseFailed, []string{"ImagePullBackOff", "2099.1.1"}},
		{"pulling", pod("oc-env-1-new", false, waiting("ContainerCreating", "", 0, nil)), driver.PhaseStarting, []string{"ContainerCreating"}},
	} {
		h := podHealth(sts, c.pod, 3)
		if h.Phase != c.phase {
			t.Errorf("%s: phase %s (%s), want %s", c.name, h.Phase, h.Message, c.phase)
		}
		for _, s := range c.says {
			if !strings.Contains(h.Message, s) {
				t.Errorf("%s: message %q does not say %q", c.name, h.Message, s)
			}
		}
	}
}
