package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccSDKLogsStayWhenAsked runs the real provider binary under Terraform
// with TF_LOG=TRACE: the framework's own lines must still be there, so that
// turning them off by default never hides what a user asked for.
func TestAccSDKLogsStayWhenAsked(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("TF_ACC is not set: this test runs Terraform (make test sets it)")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		tf = "terraform"
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "terraform-provider-openclaw"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	rc := filepath.Join(dir, "terraformrc")
	writeFile(t, rc, `provider_installation {
  dev_overrides { "registry.terraform.io/openclaw/openclaw" = "`+bin+`" }
  direct {}
}
`)
	cfg := filepath.Join(dir, "cfg")
	writeFile(t, filepath.Join(cfg, "main.tf"), `terraform {
  required_providers {
    openclaw = { source = "openclaw/openclaw" }
  }
}
provider "openclaw" {
  endpoint = "http://127.0.0.1:1"
  api_key  = "ocp_test_unused"
}
`)
	run := func(extra ...string) string {
		cmd := exec.Command(tf, "-chdir="+cfg, "validate", "-no-color")
		cmd.Env = append(filteredEnv(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1")
		cmd.Env = append(cmd.Env, extra...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if out, err := cmd.Output(); err != nil {
			t.Fatalf("terraform validate: %v\n%s\n%s", err, out, stderr.String())
		}
		return stderr.String()
	}
	if logs := run("TF_LOG=TRACE"); !strings.Contains(logs, "@module=sdk.framework") {
		t.Fatalf("TF_LOG=TRACE: no sdk.framework lines in Terraform's log:\n%s", tail(logs, 40))
	}
	if logs := run("TF_LOG_PROVIDER=TRACE", "TF_LOG_CORE=OFF"); !strings.Contains(logs, "@module=sdk.framework") {
		t.Fatalf("TF_LOG_PROVIDER=TRACE: no sdk.framework lines in Terraform's log:\n%s", tail(logs, 40))
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// filteredEnv is the test's environment without any Terraform log setting.
func filteredEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_LOG") {
			env = append(env, kv)
		}
	}
	return env
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
