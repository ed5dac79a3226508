package client

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

const (
	testAPIKey    = "ock_live_0123456789abcdef"
	testUserAgent = "terraform-provider-openclaw/1.2.3 (+terraform 1.9.0)"
)

// newTestClient starts an httptest server for h and a Client pointed at it
// with tiny retry waits so retry tests run fast.
func newTestClient(t *testing.T, h http.Handler, mods ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{
		Endpoint:     srv.URL + "/",
		APIKey:       testAPIKey,
		UserAgent:    testUserAgent,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", api.ProblemContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(api.Problem{
		Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code, Detail: detail,
	})
}

func testOperation(id, status string) api.Operation {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return api.Operation{
		ID: id, Kind: "environment.create", TargetKind: "environment", TargetID: "env-1",
		Status: status, CreatedAt: now, UpdatedAt: now,
	}
}

// countingTransport counts RoundTrips (attempts) before delegating.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}

func TestNew_Defaults(t *testing.T) {
	base := &http.Client{Transport: http.DefaultTransport, Timeout: time.Hour}
	c, err := New(Config{Endpoint: "https://api.example.com/openclaw/", HTTPClient: base})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Endpoint(), "https://api.example.com/openclaw"; got != want {
		t.Errorf("Endpoint() = %q, want %q", got, want)
	}
	if c.http.RetryMax != DefaultMaxRetries || c.http.RetryWaitMin != DefaultRetryWaitMin || c.http.RetryWaitMax != DefaultRetryWaitMax {
		t.Errorf("retry settings = %d %s %s", c.http.RetryMax, c.http.RetryWaitMin, c.http.RetryWaitMax)
	}
	if c.requestTimeout != DefaultRequestTimeout || c.http.HTTPClient.Timeout != DefaultRequestTimeout {
		t.Errorf("timeout = %s / %s", c.requestTimeout, c.http.HTTPClient.Timeout)
	}
	if c.userAgent != DefaultUserAgent {
		t.Errorf("user agent = %q", c.userAgent)
	}
	if c.http.Logger != nil {
		t.Errorf("retryablehttp logger must be disabled")
	}
	// The caller's client is copied, not modified.
	if base.Transport != http.DefaultTransport || base.Timeout != time.Hour {
		t.Errorf("base HTTP client was modified: %+v", base)
	}
}

func TestNew_Invalid(t *testing.T) {
	for name, cfg := range map[string]Config{
		"empty endpoint":      {},
		"no scheme":           {Endpoint: "127.0.0.1:8080"},
		"host only":           {Endpoint: "example.com"},
		"ftp":                 {Endpoint: "ftp://example.com"},
		"no host":             {Endpoint: "http://"},
		"query":               {Endpoint: "http://example.com/?x=1"},
		"credentials":         {Endpoint: "http://u:p@example.com"},
		"negative timeout":    {Endpoint: "http://example.com", RequestTimeout: -time.Second},
		"min above max waits": {Endpoint: "http://example.com", RetryWaitMin: time.Minute, RetryWaitMax: time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			if c, err := New(cfg); err == nil {
				t.Fatalf("New(%+v) = %v, want error", cfg, c.Endpoint())
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]http.Header{}
		body string
	)
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method] = r.Header.Clone()
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			body = string(b)
		}
		mu.Unlock()
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, 200, api.List[api.Region]{Items: []api.Region{{ID: "eu-1"}}})
		default:
			writeJSON(w, 202, testOperation("op-1", api.OperationPending))
		}
	}))
	ctx := context.Background()
	if _, err := c.ListRegions(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateEnvironment(ctx, api.EnvironmentCreate{Name: "dev", Region: "eu-1"}); err != nil {
		t.Fatal(err)
	}

	for _, m := range []string{http.MethodGet, http.MethodPost} {
		h := seen[m]
		if got := h.Get("User-Agent"); got != testUserAgent {
			t.Errorf("%s User-Agent = %q", m, got)
		}
		if got := h.Get("Authorization"); got != "Bearer "+testAPIKey {
			t.Errorf("%s Authorization = %q", m, got)
		}
		if got := h.Get("Accept"); got != "application/json" {
			t.Errorf("%s Accept = %q", m, got)
		}
	}
	if got := seen[http.MethodPost].Get("Content-Type"); got != "application/json" {
		t.Errorf("POST Content-Type = %q", got)
	}
	if got := seen[http.MethodGet].Get("Content-Type"); got != "" {
		t.Errorf("GET without body has Content-Type %q", got)
	}
	if got := seen[http.MethodGet].Get(api.HeaderIdempotencyKey); got != "" {
		t.Errorf("GET carries an Idempotency-Key %q", got)
	}
	if _, err := c.UpdateEnvironment(ctx, "env-1", "3", api.EnvironmentUpdate{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteEnvironment(ctx, "env-1", "3"); err != nil {
		t.Fatal(err)
	}
	// Every mutation carries its own key, so a retry of it is replayed.
	keys := map[string]bool{}
	for _, m := range []string{http.MethodPost, http.MethodPatch, http.MethodDelete} {
		key := seen[m].Get(api.HeaderIdempotencyKey)
		if b, err := hex.DecodeString(key); err != nil || len(b) != 16 {
			t.Errorf("%s Idempotency-Key = %q, want 128-bit hex", m, key)
		}
		keys[key] = true
	}
	if len(keys) != 3 {
		t.Errorf("mutations share Idempotency-Keys: %v", keys)
	}
	if want := `{"name":"dev","region":"eu-1"}`; body != want {
		t.Errorf("POST body = %s, want %s", body, want)
	}
}

func TestCreateEnvironment_IdempotencyKeyStableAcrossRetries(t *testing.T) {
	var (
		mu     sync.Mutex
		keys   []string
		bodies []string
	)
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		keys = append(keys, r.Header.Get(api.HeaderIdempotencyKey))
		bodies = append(bodies, string(b))
		n := len(keys)
		mu.Unlock()
		// The first attempt of each call fails as if the response was lost.
		if n%2 == 1 {
			writeProblem(w, http.StatusServiceUnavailable, "", "restarting")
			return
		}
		writeJSON(w, 202, testOperation("op-1", api.OperationPending))
	}))

	ctx := context.Background()
	req := api.EnvironmentCreate{Name: "dev", Region: "eu-1", Secrets: map[string]string{"A": "b"}}
	for range 2 {
		op, err := c.CreateEnvironment(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if op.ID != "op-1" || op.TargetID != "env-1" {
			t.Errorf("operation = %+v", op)
		}
	}
	if len(keys) != 4 {
		t.Fatalf("server saw %d requests, want 4", len(keys))
	}
	if keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("retry of one call used keys %q and %q, want the same", keys[0], keys[1])
	}
	if bodies[0] != bodies[1] {
		t.Errorf("retry sent a different body: %s vs %s", bodies[0], bodies[1])
	}
	if keys[2] != keys[3] || keys[2] == keys[0] {
		t.Errorf("second call keys %q %q must match each other and differ from the first call's %q", keys[2], keys[3], keys[0])
	}
}

func TestDo_WithIdempotencyKeyAndIfMatch(t *testing.T) {
	var got http.Header
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		writeJSON(w, 202, testOperation("op-9", api.OperationPending))
	}))
	var op api.Operation
	resp, err := c.Do(context.Background(), http.MethodPost, "/v1/things", nil, map[string]int{"n": 1}, &op,
		WithIdempotencyKey("fixed-key"), WithIfMatch(`"7"`))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 202 || op.ID != "op-9" {
		t.Errorf("status %d op %+v", resp.StatusCode, op)
	}
	if got.Get(api.HeaderIdempotencyKey) != "fixed-key" || got.Get("If-Match") != `"7"` {
		t.Errorf("headers = %v", got)
	}
	if _, err := c.Do(context.Background(), http.MethodGet, "no-slash", nil, nil, nil); err == nil {
		t.Error("relative path accepted")
	}
}

func TestUpdateAndDeleteEnvironment_IfMatch(t *testing.T) {
	type seenReq struct{ method, path, ifMatch, body string }
	var (
		mu   sync.Mutex
		reqs []seenReq
	)
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, seenReq{r.Method, r.URL.Path, r.Header.Get("If-Match"), string(b)})
		mu.Unlock()
		if r.Header.Get("If-Match") == `"stale"` {
			writeProblem(w, http.StatusPreconditionFailed, api.CodePreconditionFailed, "environment changed since it was read")
			return
		}
		writeJSON(w, 202, testOperation("op-2", api.OperationPending))
	}))
	ctx := context.Background()
	ds := api.DesiredStopped
	if _, err := c.UpdateEnvironment(ctx, "env-1", `"3"`, api.EnvironmentUpdate{DesiredState: &ds}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteEnvironment(ctx, "env-1", `"4"`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteEnvironment(ctx, "env-1", ""); err != nil {
		t.Fatal(err)
	}
	_, err := c.UpdateEnvironment(ctx, "env-1", `"stale"`, api.EnvironmentUpdate{DesiredState: &ds})
	if !errors.Is(err, ErrPreconditionFailed) {
		t.Errorf("stale etag: err = %v, want ErrPreconditionFailed", err)
	}

	want := []seenReq{
		{http.MethodPatch, "/v1/environments/env-1", `"3"`, `{"desired_state":"stopped"}`},
		{http.MethodDelete, "/v1/environments/env-1", `"4"`, ""},
		{http.MethodDelete, "/v1/environments/env-1", "", ""},
		{http.MethodPatch, "/v1/environments/env-1", `"stale"`, `{"desired_state":"stopped"}`},
	}
	if len(reqs) != len(want) {
		t.Fatalf("requests = %+v", reqs)
	}
	for i := range want {
		if reqs[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, reqs[i], want[i])
		}
	}
}

func TestPathIDsAreEscaped(t *testing.T) {
	var (
		mu   sync.Mutex
		uris []string
	)
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.Method+" "+r.RequestURI)
		mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1/operations/"):
			writeJSON(w, 200, testOperation("op/1", api.OperationSucceeded))
		case r.Method == http.MethodGet:
			writeJSON(w, 200, api.Environment{ID: "a/b c?d"})
		default:
			writeJSON(w, 202, testOperation("op/1", api.OperationPending))
		}
	}))
	ctx := context.Background()
	id := "a/b c?d"
	if _, err := c.GetEnvironment(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateEnvironment(ctx, id, "", api.EnvironmentUpdate{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteEnvironment(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOperation(ctx, "op/1", 0); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /v1/environments/a%2Fb%20c%3Fd",
		"PATCH /v1/environments/a%2Fb%20c%3Fd",
		"DELETE /v1/environments/a%2Fb%20c%3Fd",
		"GET /v1/operations/op%2F1",
	}
	if strings.Join(uris, "\n") != strings.Join(want, "\n") {
		t.Errorf("request URIs:\n%s\nwant:\n%s", strings.Join(uris, "\n"), strings.Join(want, "\n"))
	}

	// An empty ID never reaches the server (it would address the collection).
	for name, call := range map[string]func() error{
		"get":       func() error { _, err := c.GetEnvironment(ctx, ""); return err },
		"update":    func() error { _, err := c.UpdateEnvironment(ctx, "", "", api.EnvironmentUpdate{}); return err },
		"delete":    func() error { _, err := c.DeleteEnvironment(ctx, "", ""); return err },
		"operation": func() error { _, err := c.GetOperation(ctx, "", 0); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("%s with empty id: no error", name)
		}
	}
	if len(uris) != len(want) {
		t.Errorf("empty IDs reached the server: %v", uris[len(want):])
	}
}

func TestMutationWithoutOperationIsAnError(t *testing.T) {
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	if _, err := c.DeleteEnvironment(context.Background(), "env-1", ""); !errors.Is(err, errNoOperation) {
		t.Errorf("err = %v, want errNoOperation", err)
	}
}
