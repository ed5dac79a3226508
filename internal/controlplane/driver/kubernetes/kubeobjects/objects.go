// Package kubeobjects builds the Kubernetes objects of one environment's
// gateway and applies them with server-side apply. It takes plain inputs so
// that the Kubernetes driver can be a thin adapter over it.
//
// Per environment, in its namespace, all labelled with the environment's ID:
//   - a StatefulSet of one replica (zero when stopped) whose volume claim
//     template holds the state directory; it owns everything else, so
//     deleting it cascades;
//   - a ConfigMap with openclaw.json;
//   - a Secret with the gateway token and the environment's secrets, which
//     the container reads as environment variables;
//   - a ClusterIP Service on the gateway's port.
package kubeobjects

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
)

const (
	// FieldManager owns the fields we apply; other controllers' fields
	// (the StatefulSet controller's status, an autoscaler's annotations)
	// are left alone.
	FieldManager = "openclaw-controlplane"
	// DefaultImageRepository is where OpenClaw's official images live.
	DefaultImageRepository = "ghcr.io/openclaw/openclaw"
	// GatewayPort is the gateway's HTTP and WebSocket port.
	GatewayPort = 18789

	// LabelEnvironment carries the environment's ID on every object.
	LabelEnvironment = "openclaw.ai/environment"
	labelName        = "app.kubernetes.io/name"
	labelInstance    = "app.kubernetes.io/instance"
	labelVersion     = "app.kubernetes.io/version"
	labelManagedBy   = "app.kubernetes.io/managed-by"
	// annotationRevision on the pod template changes when the config or a
	// secret does: environment variables and the config are read at start,
	// so a change must roll the pod.
	annotationRevision = "openclaw.ai/config-revision"

	// ClaimTemplate names the volume claim template; the StatefulSet
	// controller names the claim ClaimTemplate-<statefulset>-0.
	ClaimTemplate = "state"
	configKey     = "openclaw.json"
	configDir     = "/etc/openclaw"
	// StateDir is where the claim is mounted (OPENCLAW_STATE_DIR).
	StateDir = "/home/node/.openclaw"
	// DrainSeconds is the pod's termination grace period: OpenClaw's
	// normal drain allows 5 minutes.
	DrainSeconds = 300
	// ContainerName is the gateway's container in the pod.
	ContainerName = "gateway"
	// TokenKey is the Secret key of the gateway token.
	TokenKey = "gateway-token"
	tokenEnv = "OPENCLAW_GATEWAY_TOKEN"
	// The image's "node" user.
	nodeUID = 1000
)

// reservedEnv are the variables we set ourselves; a secret may not replace
// them.
var reservedEnv = []string{tokenEnv, "OPENCLAW_CONFIG_PATH", "OPENCLAW_STATE_DIR"}

// Spec is everything the objects of one environment are made from.
type Spec struct {
	// EnvironmentID is the control plane's ID, such as env_01jz...; object
	// names derive from it.
	EnvironmentID string
	Namespace     string
	// ImageRepository defaults to DefaultImageRepository; the image is
	// ImageRepository:Version.
	ImageRepository string
	Version         string
	CPUs            int64
	MemoryMB        int64
	StateVolumeGB   int64
	// StorageClass is the claim's class; empty means the cluster's default.
	StorageClass string
	// Running is false for a stopped environment: zero replicas, the claim
	// kept.
	Running bool
	// ConfigJSON is openclaw.json as the control plane generates it. It
	// must not contain secrets: it is stored in a ConfigMap.
	ConfigJSON   []byte
	GatewayToken string
	// Secrets are environment variables for the gateway (such as
	// ANTHROPIC_API_KEY), stored in the Secret.
	Secrets map[string]string
	// SecretsRevision changes whenever a secret's value does (the control
	// plane's keyed fingerprints, say); it goes into the pod template so
	// that the pod restarts with the new values. Never a plain hash of the
	// values: the pod template is not secret.
	SecretsRevision string
}

// Name is the name of the environment's StatefulSet, Service, ConfigMap and
// Secret: "oc-" and the ID with "_" as "-" (env_01jz... is oc-env-01jz...).
func Name(environmentID string) string {
	return "oc-" + strings.ReplaceAll(strings.ToLower(environmentID), "_", "-")
}

// ClaimName is the name of the environment's PersistentVolumeClaim.
func ClaimName(environmentID string) string {
	return ClaimTemplate + "-" + Name(environmentID) + "-0"
}

// GatewayURL is the in-cluster address of the environment's gateway.
func GatewayURL(namespace, environmentID string) string {
	return fmt.Sprintf("http://%s.%s.svc:%d", Name(environmentID), namespace, GatewayPort)
}

// Selector selects every object of one environment.
func Selector(environmentID string) string {
	return LabelEnvironment + "=" + environmentID
}

// Validate reports what makes s unusable, naming the field.
func (s Spec) Validate() error {
	var errs []error
	bad := func(field string, msgs []string) {
		if len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("%s: %s", field, strings.Join(msgs, "; ")))
		}
	}
	if s.EnvironmentID == "" {
		errs = append(errs, errors.New("environment ID: must not be empty"))
	} else {
		// The StatefulSet's name also goes into its pods' controller-revision-hash
		// label (name-<10 characters>), which must stay a 63-character label.
		bad("environment ID", validation.IsDNS1035Label(Name(s.EnvironmentID)))
		if n := len(Name(s.EnvironmentID)); n > 52 {
			errs = append(errs, fmt.Errorf("environment ID: %q is too long for a StatefulSet name (%d characters, at most 52)", Name(s.EnvironmentID), n))
		}
		bad("environment ID", validation.IsValidLabelValue(s.EnvironmentID))
	}
	bad("namespace", validation.IsDNS1123Label(s.Namespace))
	if s.Version == "" {
		errs = append(errs, errors.New("version: must not be empty"))
	} else {
		bad("version", validation.IsValidLabelValue(s.Version))
	}
	if s.CPUs < 1 {
		errs = append(errs, fmt.Errorf("cpus: must be at least 1, got %d", s.CPUs))
	}
	if s.MemoryMB < 1 {
		errs = append(errs, fmt.Errorf("memory_mb: must be at least 1, got %d", s.MemoryMB))
	}
	if s.StateVolumeGB < 1 {
		errs = append(errs, fmt.Errorf("state_volume_gb: must be at least 1, got %d", s.StateVolumeGB))
	}
	if s.StorageClass != "" {
		bad("storage class", validation.IsDNS1123Subdomain(s.StorageClass))
	}
	if s.GatewayToken == "" {
		errs = append(errs, errors.New("gateway token: must not be empty"))
	}
	for _, name := range slices.Sorted(maps.Keys(s.Secrets)) {
		bad(fmt.Sprintf("secrets[%q]", name), validation.IsEnvVarName(name))
		if slices.Contains(reservedEnv, name) {
			errs = append(errs, fmt.Errorf("secrets[%q]: is set by the control plane itself", name))
		}
		if name == TokenKey {
			errs = append(errs, fmt.Errorf("secrets[%q]: is the Secret key of the gateway token", name))
		}
	}
	return errors.Join(errs...)
}

func (s Spec) image() string {
	repo := s.ImageRepository
	if repo == "" {
		repo = DefaultImageRepository
	}
	return repo + ":" + s.Version
}

// labels go on every object. The version is informational: selectors use
// only the environment label, which never changes.
func (s Spec) labels() map[string]string {
	return map[string]string{
		LabelEnvironment: s.EnvironmentID,
		labelName:        "openclaw",
		labelInstance:    Name(s.EnvironmentID),
		labelVersion:     s.Version,
		labelManagedBy:   FieldManager,
	}
}

// claimLabels leave out the version: the claim template can never change,
// and the claim outlives versions.
func (s Spec) claimLabels() map[string]string {
	l := s.labels()
	delete(l, labelVersion)
	return l
}

func (s Spec) selector() map[string]string {
	return map[string]string{LabelEnvironment: s.EnvironmentID}
}

// revision changes with the config and with SecretsRevision (which the
// caller derives without revealing values).
func (s Spec) revision() string {
	h := sha256.New()
	h.Write(s.ConfigJSON)
	h.Write([]byte{0})
	h.Write([]byte(s.SecretsRevision))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Owner is the StatefulSet that owns an environment's other objects.
type Owner struct {
	Name string
	UID  types.UID
}

func (o *Owner) reference() []*metav1ac.OwnerReferenceApplyConfiguration {
	if o == nil {
		return nil
	}
	return []*metav1ac.OwnerReferenceApplyConfiguration{metav1ac.OwnerReference().
		WithAPIVersion("apps/v1").WithKind("StatefulSet").WithName(o.Name).WithUID(o.UID).
		WithBlockOwnerDeletion(true)}
}

// ConfigMap holds openclaw.json; owner may be nil before the StatefulSet
// exists.
func ConfigMap(s Spec, owner *Owner) *corev1ac.ConfigMapApplyConfiguration {
	cm := corev1ac.ConfigMap(Name(s.EnvironmentID), s.Namespace).
		WithLabels(s.labels()).
		WithData(map[string]string{configKey: string(s.ConfigJSON)})
	if refs := owner.reference(); refs != nil {
		cm.WithOwnerReferences(refs...)
	}
	return cm
}

// Secret holds the gateway token and the environment's secrets.
func Secret(s Spec, owner *Owner) *corev1ac.SecretApplyConfiguration {
	data := map[string][]byte{TokenKey: []byte(s.GatewayToken)}
	for name, value := range s.Secrets {
		data[name] = []byte(value)
	}
	sec := corev1ac.Secret(Name(s.EnvironmentID), s.Namespace).
		WithLabels(s.labels()).
		WithType(corev1.SecretTypeOpaque).
		WithData(data)
	if refs := owner.reference(); refs != nil {
		sec.WithOwnerReferences(refs...)
	}
	return sec
}

// Service is the gateway's in-cluster address.
func Service(s Spec, owner *Owner) *corev1ac.ServiceApplyConfiguration {
	svc := corev1ac.Service(Name(s.EnvironmentID), s.Namespace).
		WithLabels(s.labels()).
		WithSpec(corev1ac.ServiceSpec().
			WithType(corev1.ServiceTypeClusterIP).
			WithSelector(s.selector()).
			WithPorts(corev1ac.ServicePort().
				WithName("gateway").WithProtocol(corev1.ProtocolTCP).
				WithPort(GatewayPort).WithTargetPort(intstr.FromString("gateway"))))
	if refs := owner.reference(); refs != nil {
		svc.WithOwnerReferences(refs...)
	}
	return svc
}

// StatefulSet runs the gateway. claimGB sizes the volume claim template,
// which Kubernetes never lets change: pass the size the StatefulSet was
// created with (a larger StateVolumeGB resizes the claim itself, see
// Apply).
func StatefulSet(s Spec, claimGB int64) *appsv1ac.StatefulSetApplyConfiguration {
	name := Name(s.EnvironmentID)
	replicas := int32(0)
	if s.Running {
		replicas = 1
	}
	cpu := *resource.NewQuantity(s.CPUs, resource.DecimalSI)
	memory := *resource.NewQuantity(s.MemoryMB*1024*1024, resource.BinarySI)
	resources := corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: memory}

	env := []*corev1ac.EnvVarApplyConfiguration{
		corev1ac.EnvVar().WithName("OPENCLAW_CONFIG_PATH").WithValue(configDir + "/" + configKey),
		corev1ac.EnvVar().WithName("OPENCLAW_STATE_DIR").WithValue(StateDir),
		secretEnv(tokenEnv, name, TokenKey),
	}
	// Sorted, so that the same secrets make the same pod template.
	for _, key := range slices.Sorted(maps.Keys(s.Secrets)) {
		env = append(env, secretEnv(key, name, key))
	}

	probe := func(path string, period, failures int32) *corev1ac.ProbeApplyConfiguration {
		return corev1ac.Probe().
			WithHTTPGet(corev1ac.HTTPGetAction().WithPath(path).WithPort(intstr.FromString("gateway"))).
			WithPeriodSeconds(period).WithFailureThreshold(failures)
	}

	claim := corev1ac.PersistentVolumeClaim(ClaimTemplate, "").
		WithLabels(s.claimLabels()).
		WithSpec(corev1ac.PersistentVolumeClaimSpec().
			// SQLite in WAL mode wants block storage with one writer.
			WithAccessModes(corev1.ReadWriteOnce).
			WithResources(corev1ac.VolumeResourceRequirements().
				WithRequests(corev1.ResourceList{corev1.ResourceStorage: gigabytes(claimGB)})))
	if s.StorageClass != "" {
		claim.Spec.WithStorageClassName(s.StorageClass)
	}

	return appsv1ac.StatefulSet(name, s.Namespace).
		WithLabels(s.labels()).
		WithSpec(appsv1ac.StatefulSetSpec().
			WithReplicas(replicas).
			WithServiceName(name).
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(s.selector())).
			// OnDelete: the driver deletes an outdated pod itself (Roll).
			// The controller's rolling update would wait forever on a pod
			// that never gets ready (a crash-looping version), and a
			// StatefulSet never runs two pods of one ordinal: the new pod
			// starts once the old one is gone, one writer per volume.
			WithUpdateStrategy(appsv1ac.StatefulSetUpdateStrategy().WithType(appsv1.OnDeleteStatefulSetStrategyType)).
			// Stopping keeps the claim; deleting the StatefulSet deletes it,
			// after the pod that uses it is gone.
			WithPersistentVolumeClaimRetentionPolicy(appsv1ac.StatefulSetPersistentVolumeClaimRetentionPolicy().
				WithWhenScaled(appsv1.RetainPersistentVolumeClaimRetentionPolicyType).
				WithWhenDeleted(appsv1.DeletePersistentVolumeClaimRetentionPolicyType)).
			WithVolumeClaimTemplates(claim).
			WithTemplate(corev1ac.PodTemplateSpec().
				WithLabels(s.labels()).
				WithAnnotations(map[string]string{annotationRevision: s.revision()}).
				WithSpec(corev1ac.PodSpec().
					// OpenClaw's normal drain allowance.
					WithTerminationGracePeriodSeconds(DrainSeconds).
					// The gateway needs no Kubernetes API access.
					WithAutomountServiceAccountToken(false).
					WithEnableServiceLinks(false).
					WithSecurityContext(corev1ac.PodSecurityContext().
						WithRunAsNonRoot(true).WithRunAsUser(nodeUID).WithRunAsGroup(nodeUID).WithFSGroup(nodeUID).
						WithSeccompProfile(corev1ac.SeccompProfile().WithType(corev1.SeccompProfileTypeRuntimeDefault))).
					WithContainers(corev1ac.Container().
						WithName(ContainerName).
						WithImage(s.image()).
						WithPorts(corev1ac.ContainerPort().WithName("gateway").WithContainerPort(GatewayPort).WithProtocol(corev1.ProtocolTCP)).
						WithEnv(env...).
						WithResources(corev1ac.ResourceRequirements().WithRequests(resources).WithLimits(resources)).
						// Startup allows 5 minutes (60 x 5s) for a first start
						// and migrations; then liveness and readiness take over.
						WithStartupProbe(probe("/startupz", 5, 60)).
						WithLivenessProbe(probe("/healthz", 10, 3)).
						WithReadinessProbe(probe("/readyz", 5, 2)).
						WithTerminationMessagePolicy(corev1.TerminationMessageFallbackToLogsOnError).
						WithSecurityContext(corev1ac.SecurityContext().
							WithAllowPrivilegeEscalation(false).
							WithCapabilities(corev1ac.Capabilities().WithDrop("ALL"))).
						WithVolumeMounts(
							corev1ac.VolumeMount().WithName(ClaimTemplate).WithMountPath(StateDir),
							corev1ac.VolumeMount().WithName("config").WithMountPath(configDir).WithReadOnly(true),
						)).
					WithVolumes(corev1ac.Volume().WithName("config").
						WithConfigMap(corev1ac.ConfigMapVolumeSource().WithName(name))))))
}

func secretEnv(env, secret, key string) *corev1ac.EnvVarApplyConfiguration {
	return corev1ac.EnvVar().WithName(env).WithValueFrom(corev1ac.EnvVarSource().
		WithSecretKeyRef(corev1ac.SecretKeySelector().WithName(secret).WithKey(key)))
}

// gigabytes is n GiB, the unit volumes are sized in on Kubernetes.
func gigabytes(n int64) resource.Quantity {
	return *resource.NewQuantity(n*1024*1024*1024, resource.BinarySI)
}
