package client

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

func TestLogging_MasksAPIKeyAndSecrets(t *testing.T) {
	t.Setenv(logLevelEnv, "") // follow the root logger's TRACE
	const (
		secretValue = "sk-ant-SECRET-VALUE-42"
		tokenValue  = "tok-RESPONSE-SECRET-7"
	)
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(api.HeaderRequestID, "req-log-1")
		// A careless server echoing the key and a token back.
		writeJSON(w, 202, map[string]any{
			"id": "op-1", "kind": "environment.create", "target_kind": "environment", "target_id": "env-1",
			"status": "pending", "message": "accepted for key " + testAPIKey,
			"debug": map[string]any{"token": tokenValue},
		})
	}))

	var buf bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &buf)
	_, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{
		Name: "dev", Region: "eu-1",
		Labels:  map[string]string{"team": "ml"},
		Secrets: map[string]string{"ANTHROPIC_API_KEY": secretValue, "OTHER": testAPIKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, leaked := range []string{testAPIKey, secretValue, tokenValue} {
		if strings.Contains(out, leaked) {
			t.Errorf("log output contains %q:\n%s", leaked, out)
		}
	}

	entries, err := tflogtest.MultilineJSONDecode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var sent, received map[string]any
	for _, e := range entries {
		if e["@module"] != "provider.client" {
			continue
		}
		switch e["@message"] {
		case "Sending HTTP request":
			sent = e
		case "Received HTTP response":
			received = e
		}
	}
	if sent == nil || received == nil {
		t.Fatalf("missing request/response entries in:\n%s", out)
	}
	if sent["@level"] != "trace" || sent["http_method"] != "POST" || !strings.HasSuffix(sent["url"].(string), "/v1/environments") ||
		sent["attempt"] != float64(1) || sent["idempotency_key"] == "" {
		t.Errorf("request entry = %v", sent)
	}
	// Secret names stay visible for debugging; values do not.
	body, _ := sent["request_body"].(string)
	if !strings.Contains(body, `"ANTHROPIC_API_KEY":"***"`) || !strings.Contains(body, `"team":"ml"`) {
		t.Errorf("request_body = %s", body)
	}
	if received["status"] != float64(202) || received["request_id"] != "req-log-1" || received["duration"] == nil {
		t.Errorf("response entry = %v", received)
	}
	if rb, _ := received["response_body"].(string); !strings.Contains(rb, `"token":"***"`) || !strings.Contains(rb, "accepted for key ***") {
		t.Errorf("response_body = %s", rb)
	}
}

func TestLogging_LevelFromEnv(t *testing.T) {
	t.Setenv(logLevelEnv, "ERROR")
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, api.List[api.Region]{})
	}))
	var buf bytes.Buffer
	if _, err := c.ListRegions(tflogtest.RootLogger(context.Background(), &buf)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "HTTP") {
		t.Errorf("TRACE lines logged with %s=ERROR:\n%s", logLevelEnv, buf.String())
	}
}

func TestLogging_FailedAttemptIsLogged(t *testing.T) {
	t.Setenv(logLevelEnv, "")
	c, err := New(Config{Endpoint: "http://127.0.0.1:1", MaxRetries: 1, RetryWaitMin: 1, RetryWaitMax: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_, _ = c.ListRegions(tflogtest.RootLogger(context.Background(), &buf))
	if n := strings.Count(buf.String(), "HTTP request failed"); n != 2 {
		t.Errorf("failed attempts logged %d times, want 2:\n%s", n, buf.String())
	}
}

func TestRedactJSON(t *testing.T) {
	cases := map[string]string{
		`{"name":"a","secrets":{"K1":"v1","K2":"v2"}}`:                      `{"name":"a","secrets":{"K1":"***","K2":"***"}}`,
		`{"secrets":[{"name":"K","fingerprint":"f","value":"v"}]}`:          `{"secrets":[{"fingerprint":"f","name":"K","value":"***"}]}`,
		`{"secrets":["a","b"]}`:                                             `{"secrets":["***","***"]}`,
		`{"Secret":{"nested":1},"API_KEY":"k","token":null,"password":"p"}`: `{"API_KEY":"***","Secret":"***","password":"***","token":"***"}`,
		`[{"deep":{"list":[{"value":"x","keep":1.50}]}}]`:                   `[{"deep":{"list":[{"keep":1.50,"value":"***"}]}}]`,
		`{"secrets":null,"n":12345678901234567890}`:                         `{"n":12345678901234567890,"secrets":null}`,
		`{"html":"<b>&</b>"}`:                                               `{"html":"<b>&</b>"}`,
		`not json password=x`:                                               `not json password=x`,
		``:                                                                  ``,
	}
	for in, want := range cases {
		if got := redactJSON([]byte(in)); got != want {
			t.Errorf("redactJSON(%s) =\n%s\nwant\n%s", in, got, want)
		}
	}
	// Still valid JSON after redaction.
	if !json.Valid([]byte(redactJSON([]byte(`{"a":{"token":"t"}}`)))) {
		t.Error("redacted output is not JSON")
	}
}

func TestLoggableBody_Truncates(t *testing.T) {
	big := `{"secret":"s","pad":"` + strings.Repeat("é", 10_000) + `"}`
	got := loggableBody([]byte(big))
	if strings.Contains(got, `"secret":"s"`) {
		t.Error("secret survived")
	}
	if len(got) > maxLoggedBody+64 || !strings.Contains(got, "…[truncated, ") {
		t.Errorf("not truncated: %d bytes", len(got))
	}
	if !strings.HasPrefix(got, `{"pad":"é`) || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("bad cut: %q", got[:20])
	}
}
