package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
)

// TestSimulatorStateDirectory: a created environment has a gateway state
// directory whose openclaw.json is valid and whose .env names the secrets
// without their values.
func TestSimulatorStateDirectory(t *testing.T) {
	t.Parallel()
	c := start(t)
	values := map[string]string{"ANTHROPIC_API_KEY": "sk-ant-state-dir-value-7f3a", "GITHUB_TOKEN": "ghp_state_dir_value_91c2"}
	e := c.createRunning(t, api.EnvironmentCreate{Name: uniqueName("sim"), Region: "ap-southeast", Secrets: values})
	dir := filepath.Join(c.dataDir, "environments", e.ID)

	raw, err := os.ReadFile(filepath.Join(dir, "openclaw.json"))
	if err != nil {
		t.Fatalf("openclaw.json: %v", err)
	}
	var cfg struct {
		Gateway struct {
			Port int `json:"port"`
		} `json:"gateway"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("openclaw.json is not JSON: %v\n%s", err, raw)
	}
	if cfg.Gateway.Port != 18789 {
		t.Errorf("gateway.port %d, want 18789", cfg.Gateway.Port)
	}
	if !strings.HasSuffix(e.GatewayURL, ":18789") {
		t.Errorf("gateway_url %s", e.GatewayURL)
	}

	env, err := os.ReadFile(filepath.Join(dir, ".env"))
	if err != nil {
		t.Fatalf(".env: %v", err)
	}
	for name := range values {
		if !strings.Contains(string(env), name) {
			t.Errorf(".env does not list %s:\n%s", name, env)
		}
	}
	// No file of the state directory holds a secret value.
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, v := range values {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s contains a secret value", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSimulatorInjectedFailure: the fail label makes the create fail with an
// internal problem and marks the environment failed.
func TestSimulatorInjectedFailure(t *testing.T) {
	t.Parallel()
	c := start(t)
	op := c.create(t, c.admin, api.EnvironmentCreate{Name: uniqueName("fail"), Region: "us-east", Labels: map[string]string{simulator.LabelFail: "create"}})
	got := c.waitOp(t, op.ID, 10*time.Second, done)
	if got.Status != api.OperationFailed || got.Error == nil || got.Error.Code != api.CodeInternal || got.CompletedAt == nil {
		t.Fatalf("operation %+v (error %+v), want failed with code internal", got, got.Error)
	}
	if got.Error.Status != http.StatusInternalServerError || !strings.Contains(got.Error.Detail, "failed to create") {
		t.Errorf("error %+v", got.Error)
	}
	e, _ := c.env(t, op.TargetID)
	if e.Status != api.EnvStatusFailed {
		t.Errorf("environment status %s, want failed", e.Status)
	}
	// A failed environment can be deleted (the label fails only create).
	r := del(t, c, e.ID, "")
	wantStatus(t, r, http.StatusAccepted)
	c.waitSucceeded(t, decode[api.Operation](t, r).ID)
}

// TestSecretsAreWriteOnly: secret values go in and never come out through
// the API, the state directory or the database file; versions and
// fingerprints track value changes.
func TestSecretsAreWriteOnly(t *testing.T) {
	t.Parallel()
	c := start(t)
	const (
		anthropic  = "sk-ant-plaintext-3b9f0c1d2e"
		github     = "ghp_plaintext_5a6b7c8d9e"
		anthropic2 = "sk-ant-rotated-value-44aa"
	)
	all := []string{anthropic, github, anthropic2}
	var bodies [][]byte
	record := func(r *resp) *resp { bodies = append(bodies, r.body); return r }

	r := record(c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: c.admin, body: api.EnvironmentCreate{
		Name: uniqueName("secrets"), Region: "us-east", Secrets: map[string]string{"ANTHROPIC_API_KEY": anthropic, "GITHUB_TOKEN": github},
	}}))
	wantStatus(t, r, http.StatusAccepted)
	op := decode[api.Operation](t, r)
	id := op.TargetID
	c.waitSucceeded(t, op.ID)

	read := func() api.Environment {
		t.Helper()
		r := record(c.get(t, c.admin, "/v1/environments/"+id))
		wantStatus(t, r, http.StatusOK)
		return decode[api.Environment](t, r)
	}
	byName := func(e api.Environment) map[string]api.SecretInfo {
		m := map[string]api.SecretInfo{}
		for _, s := range e.Secrets {
			m[s.Name] = s
		}
		return m
	}
	e := read()
	v1 := byName(e)
	if len(e.Secrets) != 2 || e.Secrets[0].Name != "ANTHROPIC_API_KEY" || e.Secrets[1].Name != "GITHUB_TOKEN" {
		t.Fatalf("secrets %+v, want both names sorted", e.Secrets)
	}
	for _, s := range e.Secrets {
		if s.Version != 1 || s.Fingerprint == "" || s.UpdatedAt.IsZero() {
			t.Errorf("secret %+v", s)
		}
	}
	if v1["ANTHROPIC_API_KEY"].Fingerprint == v1["GITHUB_TOKEN"].Fingerprint {
		t.Errorf("different values have the same fingerprint")
	}

	t.Run("same values keep versions", func(t *testing.T) {
		r := record(patch(t, c, id, map[string]any{"secrets": map[string]string{"ANTHROPIC_API_KEY": anthropic, "GITHUB_TOKEN": github}}, ""))
		wantStatus(t, r, http.StatusAccepted)
		if up := decode[api.Operation](t, r); up.Status != api.OperationSucceeded || up.Message != "no changes" {
			t.Errorf("re-sending the same secrets: operation %+v", up)
		}
		after := read()
		if !equalSecrets(after.Secrets, e.Secrets) || after.ETag != e.ETag {
			t.Errorf("secrets %+v (etag %s), want unchanged %+v (etag %s)", after.Secrets, after.ETag, e.Secrets, e.ETag)
		}
	})

	t.Run("a changed value bumps its version", func(t *testing.T) {
		r := record(patch(t, c, id, map[string]any{"secrets": map[string]string{"ANTHROPIC_API_KEY": anthropic2, "GITHUB_TOKEN": github}}, ""))
		wantStatus(t, r, http.StatusAccepted)
		up := decode[api.Operation](t, r)
		if up.Status == api.OperationSucceeded {
			t.Errorf("a changed secret must reach the gateway: the operation cannot be a no-op")
		}
		c.waitSucceeded(t, up.ID)
		v2 := byName(read())
		if a := v2["ANTHROPIC_API_KEY"]; a.Version != 2 || a.Fingerprint == v1["ANTHROPIC_API_KEY"].Fingerprint {
			t.Errorf("rotated secret %+v, was %+v", a, v1["ANTHROPIC_API_KEY"])
		}
		if g := v2["GITHUB_TOKEN"]; g.Version != 1 || g.Fingerprint != v1["GITHUB_TOKEN"].Fingerprint {
			t.Errorf("untouched secret %+v, was %+v", g, v1["GITHUB_TOKEN"])
		}
		for name, want := range map[string]string{"ANTHROPIC_API_KEY": anthropic2, "GITHUB_TOKEN": github} {
			got, err := c.app.Server.SecretValue(context.Background(), id, name)
			if err != nil || got != want {
				t.Errorf("SecretValue(%s) = %q, %v; want the value sent", name, got, err)
			}
		}
	})

	t.Run("removing a secret", func(t *testing.T) {
		r := record(patch(t, c, id, map[string]any{"secrets": map[string]string{"GITHUB_TOKEN": github}}, ""))
		wantStatus(t, r, http.StatusAccepted)
		c.waitSucceeded(t, decode[api.Operation](t, r).ID)
		after := read()
		if len(after.Secrets) != 1 || after.Secrets[0].Name != "GITHUB_TOKEN" {
			t.Errorf("secrets after removal %+v", after.Secrets)
		}
		env, err := os.ReadFile(filepath.Join(c.stateDir(id), ".env"))
		if err != nil || strings.Contains(string(env), "ANTHROPIC_API_KEY") || !strings.Contains(string(env), "GITHUB_TOKEN") {
			t.Errorf(".env after removal (%v):\n%s", err, env)
		}
	})

	t.Run("values never leave", func(t *testing.T) {
		record(c.get(t, c.admin, "/v1/environments"))
		record(c.get(t, c.admin, "/v1/operations/"+op.ID))
		for _, b := range bodies {
			for _, v := range all {
				if bytes.Contains(b, []byte(v)) {
					t.Errorf("a response contains a secret value: %s", b)
				}
			}
		}
		// Neither the database (with its WAL) nor any other file under the
		// data directory holds a plaintext value.
		// Positive control: plaintext the control plane does store (the
		// environment's name) is found by the same byte search.
		name := read().Name
		nameFound := false
		dbFiles := 0
		err := filepath.WalkDir(c.dataDir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), "controlplane.db") {
				dbFiles++
				nameFound = nameFound || bytes.Contains(b, []byte(name))
			}
			for _, v := range all {
				if bytes.Contains(b, []byte(v)) {
					t.Errorf("%s contains the plaintext secret %q", path, v)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"controlplane.db", "controlplane.db-wal"} {
			if st, err := os.Stat(filepath.Join(c.dataDir, f)); err != nil || st.Size() == 0 {
				t.Errorf("expected a non-empty %s to inspect: %v", f, err)
			}
		}
		if dbFiles < 2 || !nameFound {
			t.Errorf("inspected %d database files; environment name found in them: %v", dbFiles, nameFound)
		}
	})
}

func equalSecrets(a, b []api.SecretInfo) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Version != b[i].Version || a[i].Fingerprint != b[i].Fingerprint || !a[i].UpdatedAt.Equal(b[i].UpdatedAt) {
			return false
		}
	}
	return true
}
