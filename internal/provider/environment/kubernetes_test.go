package environment_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubeobjects"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver/kubernetes/kubetest"
	"github.com/openclaw/terraform-provider-openclaw/internal/provider/acctest"
)

// Acceptance tests on the Kubernetes driver: the control plane runs each
// gateway as a StatefulSet on the test cluster, where kwok reports pods
// Running and Ready without running a container.

// TestMain stops the cluster that kubetest started for this package, if
// it started one (OPENCLAW_TEST_KUBE=1 without OPENCLAW_TEST_KUBECONFIG).
func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const kubeSecret = "sk-ant-acctest-kube-5d2e81"

func kubeEnvConfig(name, desired, version string) string {
	return fmt.Sprintf(`
resource "openclaw_environment" "test" {
  name               = %q
  region             = "eu-central"
  openclaw_version   = %q
  desired_state      = %q
  state_volume_gb    = 1
  secrets_wo         = { ANTHROPIC_API_KEY = %q }
  secrets_wo_version = 1
}
`, name, version, desired, kubeSecret)
}

// kubeObjects checks the environment's objects on the cluster.
func kubeObjects(k *acctest.Kube, check func(id string, sts *appsv1.StatefulSet, pods []corev1.Pod) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		id := s.RootModule().Resources[addr].Primary.ID
		sts, err := k.Client.AppsV1().StatefulSets(k.Namespace).Get(ctx, kubeobjects.Name(id), metav1.GetOptions{})
		if err != nil {
			return err
		}
		pods, err := k.Client.CoreV1().Pods(k.Namespace).List(ctx, metav1.ListOptions{LabelSelector: kubeobjects.Selector(id)})
		if err != nil {
			return err
		}
		return check(id, sts, pods.Items)
	}
}

func replicas(sts *appsv1.StatefulSet) int32 {
	if sts.Spec.Replicas == nil {
		return 1
	}
	return *sts.Spec.Replicas
}

// kubeNothingLeft waits until the namespace holds no object of ours.
func kubeNothingLeft(t *testing.T, k *acctest.Kube) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kubetest.UntilNothingLeft(t, ctx, k.Client, k.Namespace, "app.kubernetes.io/managed-by="+kubeobjects.FieldManager)
}

// The lifecycle through Terraform: create -> running (pod Ready under kwok)
// -> stop (zero replicas, the claim kept) -> start -> a version change
// replaces the pod in place -> import -> destroy leaves nothing.
func TestAccKubernetesDriver_lifecycle(t *testing.T) {
	cp, k := acctest.StartKubernetes(t, 1)
	name := acctest.Name("kube")
	var claimUID, podUID string

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if err := cp.CheckEnvironmentsDestroyed(s); err != nil {
				return err
			}
			kubeNothingLeft(t, k)
			return nil
		},
		Steps: []resource.TestStep{
			{
				Config: cp.Config(kubeEnvConfig(name, "running", "2026.9.6")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("power_state"), knownvalue.StringExact("on")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("gateway_url"),
						knownvalue.StringRegexp(regexp.MustCompile(`^http://oc-env-[0-9a-z-]+\.`+k.Namespace+`\.svc:18789$`))),
				},
				Check: kubeObjects(k, func(id string, sts *appsv1.StatefulSet, pods []corev1.Pod) error {
					if replicas(sts) != 1 || len(pods) != 1 {
						return fmt.Errorf("replicas %d, %d pods; want one running pod", replicas(sts), len(pods))
					}
					if img := pods[0].Spec.Containers[0].Image; img != "ghcr.io/openclaw/openclaw:2026.9.6" {
						return fmt.Errorf("image %q", img)
					}
					podUID = string(pods[0].UID)
					ctx := context.Background()
					sec, err := k.Client.CoreV1().Secrets(k.Namespace).Get(ctx, sts.Name, metav1.GetOptions{})
					if err != nil {
						return err
					}
					if string(sec.Data["ANTHROPIC_API_KEY"]) != kubeSecret {
						return fmt.Errorf("the Secret does not hold secrets_wo")
					}
					cm, err := k.Client.CoreV1().ConfigMaps(k.Namespace).Get(ctx, sts.Name, metav1.GetOptions{})
					if err != nil {
						return err
					}
					if strings.Contains(cm.Data["openclaw.json"], kubeSecret) {
						return fmt.Errorf("a secret value is in the ConfigMap")
					}
					claim, err := k.Client.CoreV1().PersistentVolumeClaims(k.Namespace).Get(ctx, kubeobjects.ClaimName(id), metav1.GetOptions{})
					if err != nil {
						return err
					}
					claimUID = string(claim.UID)
					return nil
				}),
			},
			{
				Config: cp.Config(kubeEnvConfig(name, "stopped", "2026.9.6")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("stopped")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("power_state"), knownvalue.StringExact("off")),
				},
				Check: kubeObjects(k, func(id string, sts *appsv1.StatefulSet, pods []corev1.Pod) error {
					if replicas(sts) != 0 || len(pods) != 0 {
						return fmt.Errorf("replicas %d, %d pods after stop; want none", replicas(sts), len(pods))
					}
					claim, err := k.Client.CoreV1().PersistentVolumeClaims(k.Namespace).Get(context.Background(), kubeobjects.ClaimName(id), metav1.GetOptions{})
					if err != nil || string(claim.UID) != claimUID {
						return fmt.Errorf("the claim was not kept through the stop: %v", err)
					}
					return nil
				}),
			},
			{
				Config: cp.Config(kubeEnvConfig(name, "running", "2026.9.6")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
				Check: kubeObjects(k, func(_ string, sts *appsv1.StatefulSet, pods []corev1.Pod) error {
					if replicas(sts) != 1 || len(pods) != 1 {
						return fmt.Errorf("replicas %d, %d pods after start", replicas(sts), len(pods))
					}
					podUID = string(pods[0].UID)
					return nil
				}),
			},
			{
				Config: cp.Config(kubeEnvConfig(name, "running", "2026.10.1")),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("openclaw_version"), knownvalue.StringExact("2026.10.1")),
				},
				Check: kubeObjects(k, func(_ string, _ *appsv1.StatefulSet, pods []corev1.Pod) error {
					if len(pods) != 1 || string(pods[0].UID) == podUID || pods[0].Spec.Containers[0].Image != "ghcr.io/openclaw/openclaw:2026.10.1" {
						return fmt.Errorf("after the version change: %d pods, want one new pod on 2026.10.1", len(pods))
					}
					return nil
				}),
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secrets_wo", "secrets_wo_version", "timeouts"},
			},
		},
	})
}

// A control plane restarted while a create is in flight finishes it: the
// operation is in the database, the objects on the cluster, and the new
// driver's informers list them. One StatefulSet, one pod.
func TestAccKubernetesDriver_restartMidApply(t *testing.T) {
	cp, k := acctest.StartKubernetes(t, 1)
	cp.RequireInProcess(t)
	ctx := context.Background()
	gb := int64(1)
	op, err := cp.Client.CreateEnvironment(ctx, api.EnvironmentCreate{
		Name: acctest.Name("kube-restart"), Region: "eu-central", OpenClawVersion: "2026.9.6", StateVolumeGB: &gb,
	})
	if err != nil {
		t.Fatal(err)
	}
	cp.Restart(t)
	if cur, err := cp.Client.GetOperation(ctx, op.ID, 0); err == nil {
		t.Logf("operation %s after the restart: %s (%s)", op.ID, cur.Status, cur.Message)
	}
	cp.WaitFor(t, op, nil)
	env, err := cp.Client.GetEnvironment(ctx, op.TargetID)
	if err != nil {
		t.Fatal(err)
	}
	if env.Status != api.EnvStatusRunning {
		t.Fatalf("status %s after the restart, want running (%s)", env.Status, env.StatusMessage)
	}
	sets, err := k.Client.AppsV1().StatefulSets(k.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := k.Client.CoreV1().Pods(k.Namespace).List(ctx, metav1.ListOptions{LabelSelector: kubeobjects.Selector(env.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(sets.Items) != 1 || len(pods.Items) != 1 {
		t.Errorf("%d StatefulSets and %d pods after the restart, want one of each", len(sets.Items), len(pods.Items))
	}
	del, err := cp.Client.DeleteEnvironment(ctx, env.ID, "")
	cp.WaitFor(t, del, err)
	kubeNothingLeft(t, k)
}

// logBuffer collects the control plane's logs.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// An API server that cannot be reached fails the create's step with an
// error naming it, which the engine retries: once the API server is back,
// the same operation finishes.
func TestAccKubernetesDriver_apiServerOutage(t *testing.T) {
	var p *kubetest.Proxy
	logs := &logBuffer{}
	cp, _ := acctest.StartKubernetes(t, 1, func(o *acctest.Options) {
		p = kubetest.NewProxy(t)
		o.Kubernetes.REST = p.Config(t)
		o.Kubernetes.REST.Timeout = 3 * time.Second
		o.LogWriter = logs
	})
	cp.RequireInProcess(t)
	ctx := context.Background()
	p.Cut()
	gb := int64(1)
	op, err := cp.Client.CreateEnvironment(ctx, api.EnvironmentCreate{
		Name: acctest.Name("kube-outage"), Region: "eu-central", OpenClawVersion: "2026.9.6", StateVolumeGB: &gb,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The engine logs each failed attempt; wait for the first.
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(logs.String(), "will retry") {
		if time.Now().After(deadline) {
			t.Fatalf("no retried step in the control plane's logs:\n%s", logs.String())
		}
		<-tick.C
	}
	var retried string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "will retry") {
			retried = l
			break
		}
	}
	if !strings.Contains(retried, "Kubernetes API server at "+p.Config(t).Host+" is unreachable") {
		t.Errorf("the retried step's error does not say what is unreachable: %s", retried)
	}
	p.Restore(t)
	cp.WaitFor(t, op, nil)
	env, err := cp.Client.GetEnvironment(ctx, op.TargetID)
	if err != nil {
		t.Fatal(err)
	}
	if env.Status != api.EnvStatusRunning {
		t.Errorf("status %s after the API server came back, want running (%s)", env.Status, env.StatusMessage)
	}
}
