package kubeobjects

import (
	"reflect"
	"strings"
	"testing"
)

func testSpec() Spec {
	return Spec{
		EnvironmentID:   "env_01jzq3v7k2m8x9y0abcdefghij",
		Namespace:       "tenants",
		Version:         "2026.9.6",
		CPUs:            2,
		MemoryMB:        2048,
		StateVolumeGB:   10,
		Running:         true,
		ConfigJSON:      []byte(`{"gateway":{"mode":"local","port":18789}}`),
		GatewayToken:    "tok-secret-value",
		Secrets:         map[string]string{"ANTHROPIC_API_KEY": "sk-ant-secret", "OPENAI_API_KEY": "sk-oai-secret"},
		SecretsRevision: "fp1",
	}
}

func TestNames(t *testing.T) {
	id := "env_01jzq3v7k2m8x9y0abcdefghij"
	if got, want := Name(id), "oc-env-01jzq3v7k2m8x9y0abcdefghij"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if got, want := ClaimName(id), "state-oc-env-01jzq3v7k2m8x9y0abcdefghij-0"; got != want {
		t.Errorf("ClaimName = %q, want %q", got, want)
	}
	if got, want := GatewayURL("tenants", id), "http://oc-env-01jzq3v7k2m8x9y0abcdefghij.tenants.svc:18789"; got != want {
		t.Errorf("GatewayURL = %q, want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	if err := testSpec().Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	cases := map[string]struct {
		change func(*Spec)
		want   string
	}{
		"no ID":           {func(s *Spec) { s.EnvironmentID = "" }, "environment ID: must not be empty"},
		"ID too long":     {func(s *Spec) { s.EnvironmentID = "env_" + strings.Repeat("a", 50) }, "at most 52"},
		"bad namespace":   {func(s *Spec) { s.Namespace = "Tenants" }, "namespace:"},
		"no version":      {func(s *Spec) { s.Version = "" }, "version: must not be empty"},
		"no cpus":         {func(s *Spec) { s.CPUs = 0 }, "cpus: must be at least 1"},
		"no memory":       {func(s *Spec) { s.MemoryMB = 0 }, "memory_mb: must be at least 1"},
		"no volume":       {func(s *Spec) { s.StateVolumeGB = 0 }, "state_volume_gb: must be at least 1"},
		"bad class":       {func(s *Spec) { s.StorageClass = "Fast SSD" }, "storage class:"},
		"no token":        {func(s *Spec) { s.GatewayToken = "" }, "gateway token: must not be empty"},
		"bad secret name": {func(s *Spec) { s.Secrets = map[string]string{"1BAD": "x"} }, `secrets["1BAD"]`},
		"reserved env":    {func(s *Spec) { s.Secrets = map[string]string{"OPENCLAW_GATEWAY_TOKEN": "x"} }, "set by the control plane"},
		"token key":       {func(s *Spec) { s.Secrets = map[string]string{TokenKey: "x"} }, "Secret key of the gateway token"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := testSpec()
			tc.change(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret-value") || strings.Contains(err.Error(), "sk-") {
				t.Errorf("the error reveals a secret: %v", err)
			}
		})
	}
}

// The pod template changes, and so the pod rolls, exactly when what the
// gateway reads at start changes.
func TestRevision(t *testing.T) {
	base := testSpec()
	same := testSpec()
	same.Running = false
	same.Secrets = map[string]string{"OPENAI_API_KEY": "sk-oai-secret", "ANTHROPIC_API_KEY": "sk-ant-secret"}
	if base.revision() != same.revision() {
		t.Error("revision changed without a change of config or secrets")
	}
	config := testSpec()
	config.ConfigJSON = []byte(`{"gateway":{"mode":"local","port":18790}}`)
	secrets := testSpec()
	secrets.SecretsRevision = "fp2"
	for name, s := range map[string]Spec{"config": config, "secrets": secrets} {
		if s.revision() == base.revision() {
			t.Errorf("a change of %s keeps the revision", name)
		}
	}
}

func TestStatefulSetReplicasAndImage(t *testing.T) {
	s := testSpec()
	sts := StatefulSet(s, 10)
	if *sts.Spec.Replicas != 1 {
		t.Errorf("running: replicas = %d, want 1", *sts.Spec.Replicas)
	}
	if got := *sts.Spec.Template.Spec.Containers[0].Image; got != "ghcr.io/openclaw/openclaw:2026.9.6" {
		t.Errorf("image = %q", got)
	}
	s.Running = false
	s.ImageRepository = "registry.example.com/mirror/openclaw"
	sts = StatefulSet(s, 10)
	if *sts.Spec.Replicas != 0 {
		t.Errorf("stopped: replicas = %d, want 0", *sts.Spec.Replicas)
	}
	if got := *sts.Spec.Template.Spec.Containers[0].Image; got != "registry.example.com/mirror/openclaw:2026.9.6" {
		t.Errorf("image = %q", got)
	}
}

// Kubernetes refuses any change to a StatefulSet's claim template, so
// nothing that can change may reach it.
func TestClaimTemplateIgnoresChanges(t *testing.T) {
	a, b := testSpec(), testSpec()
	b.Version, b.Running, b.CPUs, b.MemoryMB, b.StateVolumeGB = "2026.10.1", false, 4, 8192, 50
	b.ConfigJSON, b.Secrets, b.SecretsRevision = []byte(`{}`), nil, "fp9"
	ta, tb := StatefulSet(a, 10).Spec.VolumeClaimTemplates, StatefulSet(b, 10).Spec.VolumeClaimTemplates
	if !reflect.DeepEqual(ta, tb) {
		t.Errorf("the claim template changed:\n%+v\n%+v", ta[0], tb[0])
	}
}
