package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/api/apitest"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/keys"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

// cp is one in-process control plane behind an httptest server.
type cp struct {
	app     *controlplane.App
	srv     *httptest.Server
	url     string
	admin   string // the bootstrap admin key
	dataDir string
	opts    controlplane.Options
	cancel  context.CancelFunc
	spec    *apitest.SpecValidator
	closed  bool
}

// harnessOptions are the options every test control plane uses.
func harnessOptions(dataDir, adminKey string) controlplane.Options {
	return controlplane.Options{
		DataDir:      dataDir,
		BootstrapKey: adminKey,
		SimDelay:     5 * time.Millisecond,
		// Like the binary's defaults: a per-key rate limit's burst is capped
		// by the server-wide burst.
		RateBurst:    100,
		PollInterval: 50 * time.Millisecond,
		// The clock reads real time but POST /v1/simulator/clock exists.
		SimClock: true,
	}
}

// start opens a fresh control plane in a temporary data directory, serves it
// and starts its engine; it is closed when the test ends.
// Options may adjust the control plane's options (a clock, say).
func start(t *testing.T, options ...func(*controlplane.Options)) *cp {
	t.Helper()
	admin, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := &cp{admin: admin, dataDir: dir, opts: harnessOptions(dir, admin), spec: apitest.Validator(t)}
	for _, o := range options {
		o(&c.opts)
	}
	c.open(t)
	if c.app.BootstrapKey != admin {
		t.Fatalf("bootstrap key not created from Options.BootstrapKey")
	}
	t.Cleanup(func() { c.close(t) })
	return c
}

func (c *cp) open(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	app, err := controlplane.Open(ctx, c.opts)
	if err != nil {
		cancel()
		t.Fatalf("controlplane.Open: %v", err)
	}
	c.app, c.cancel, c.closed = app, cancel, false
	c.srv = httptest.NewServer(app.Server.Handler())
	c.url = c.srv.URL
	app.Server.Start(ctx)
}

// close stops the HTTP server, the engine and the store.
func (c *cp) close(t *testing.T) {
	t.Helper()
	if c.closed {
		return
	}
	c.closed = true
	c.srv.Close()
	c.cancel()
	c.app.Server.Close()
	if err := c.app.Store.Close(); err != nil {
		t.Errorf("close store: %v", err)
	}
}

// keyOpts describe an extra API key created directly in the store.
type keyOpts struct {
	scopes        []string
	environmentID string
	allowedCIDRs  []string
	ratePerMinute int
	expiresAt     *time.Time
	revokedAt     *time.Time
	graceUntil    *time.Time
}

// newKey stores a key (its hash only) and returns the secret and prefix.
func (c *cp) newKey(t *testing.T, o keyOpts) (secret, prefix string) {
	t.Helper()
	secret, err := keys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	k := &store.APIKey{
		ID:                 "key_" + strings.ToLower(ulid.Make().String()),
		Name:               "test-" + strings.ToLower(ulid.Make().String()),
		Prefix:             keys.DisplayPrefix(secret),
		SecretHash:         keys.Hash(secret),
		Scopes:             o.scopes,
		EnvironmentID:      o.environmentID,
		AllowedCIDRs:       o.allowedCIDRs,
		RateLimitPerMinute: o.ratePerMinute,
		Labels:             map[string]string{},
		ExpiresAt:          o.expiresAt,
		RevokedAt:          o.revokedAt,
		RevokeGraceUntil:   o.graceUntil,
		CreatedAt:          now,
		UpdatedAt:          now,
	}
	if k.Scopes == nil {
		k.Scopes = []string{}
	}
	if err := c.app.Store.CreateAPIKey(context.Background(), k); err != nil {
		t.Fatalf("create API key: %v", err)
	}
	return secret, k.Prefix
}

// resp is a response whose body has been read and checked against the
// contract.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r *resp) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// req describes one request.
type req struct {
	method string
	path   string
	key    string // bearer key; "" sends no Authorization header
	body   any    // nil, string/[]byte (sent raw) or a value to marshal
	header map[string]string
}

// routeOf maps a request path to the document's path template for method,
// or "" when the document has no such operation.
func (c *cp) routeOf(method, path string) string {
	paths, _ := c.spec.Document()["paths"].(map[string]any)
	segs := strings.Split(path, "/")
	for tmpl, item := range paths {
		ops, _ := item.(map[string]any)
		if _, ok := ops[strings.ToLower(method)]; !ok {
			continue
		}
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		match := true
		for i, ts := range tsegs {
			if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
				match = match && segs[i] != ""
			} else {
				match = match && ts == segs[i]
			}
		}
		if match {
			return tmpl
		}
	}
	return ""
}

// do sends r and validates the response against openapi.yaml: documented
// routes by their operation's response for the status, anything else must
// be a problem document.
func (c *cp) do(t testing.TB, r req) *resp {
	t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(js)
	}
	hr, err := http.NewRequest(r.method, c.url+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.key != "" {
		hr.Header.Set("Authorization", "Bearer "+r.key)
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	hresp, err := c.srv.Client().Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer hresp.Body.Close()
	b, err := io.ReadAll(hresp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", r.method, r.path, err)
	}
	out := &resp{status: hresp.StatusCode, header: hresp.Header, body: b}
	pathOnly, _, _ := strings.Cut(r.path, "?")
	if route := c.routeOf(r.method, pathOnly); route != "" {
		c.spec.CheckResponse(t, r.method, route, hresp, b)
	} else {
		// Not an operation of the document: it must be a problem.
		if ct := hresp.Header.Get("Content-Type"); ct != api.ProblemContentType {
			t.Errorf("%s %s (undocumented) answered Content-Type %q, want %s", r.method, r.path, ct, api.ProblemContentType)
		}
		c.spec.ValidateSchema(t, "Problem", b)
	}
	return out
}

func (c *cp) get(t testing.TB, key, path string) *resp {
	t.Helper()
	return c.do(t, req{method: http.MethodGet, path: path, key: key})
}

func decode[T any](t testing.TB, r *resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %T from %s: %v", v, r.body, err)
	}
	return v
}

// wantStatus fails the test unless r has the status.
func wantStatus(t testing.TB, r *resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
}

// leakMarkers are signs of internals in a client-facing body.
var leakMarkers = []string{"goroutine ", "runtime.", ".go:", "panic", "sql:", "SQLITE", "sqlite", "\tat ", "errors.", "*errors", "%!"}

// wantProblem checks status, content type and code of a problem response,
// that it carries the request ID and reveals no internals, and returns it.
func wantProblem(t testing.TB, r *resp, status int, code string) api.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != api.ProblemContentType {
		t.Errorf("Content-Type %q, want %s", ct, api.ProblemContentType)
	}
	p := decode[api.Problem](t, r)
	if p.Code != code {
		t.Errorf("problem code %q, want %q; body: %s", p.Code, code, r.body)
	}
	if p.Status != status {
		t.Errorf("problem status %d, but the response is %d", p.Status, status)
	}
	if p.Title == "" || p.Type == "" {
		t.Errorf("problem without title or type: %s", r.body)
	}
	// A replayed response is the original one, with the original request ID.
	if id := r.header.Get(api.HeaderRequestID); id == "" || (p.RequestID != id && r.header.Get("Idempotent-Replayed") != "true") {
		t.Errorf("problem request_id %q, X-Request-Id header %q", p.RequestID, id)
	}
	for _, m := range leakMarkers {
		if strings.Contains(string(r.body), m) {
			t.Errorf("problem body reveals internals (%q): %s", m, r.body)
		}
	}
	return p
}

// fields lists the errors[].field of a problem, sorted.
func fields(p api.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	slices.Sort(out)
	return out
}

// fieldMessage is the message of errors[] for field, or "".
func fieldMessage(p api.Problem, field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// nameSeq makes unique environment names within a process.
var (
	nameMu  sync.Mutex
	nameSeq int
)

func uniqueName(prefix string) string {
	nameMu.Lock()
	defer nameMu.Unlock()
	nameSeq++
	return fmt.Sprintf("%s-%d", prefix, nameSeq)
}

// create posts an environment and returns the accepted operation.
func (c *cp) create(t testing.TB, key string, body api.EnvironmentCreate) api.Operation {
	t.Helper()
	r := c.do(t, req{method: http.MethodPost, path: "/v1/environments", key: key, body: body})
	wantStatus(t, r, http.StatusAccepted)
	op := decode[api.Operation](t, r)
	if loc := r.header.Get("Location"); loc != "/v1/operations/"+op.ID {
		t.Errorf("Location %q, want /v1/operations/%s", loc, op.ID)
	}
	if op.Kind != "environment.create" || op.TargetKind != store.KindEnvironment || op.TargetID == "" {
		t.Errorf("unexpected create operation %+v", op)
	}
	return op
}

// operation reads an operation, optionally long-polling.
func (c *cp) operation(t testing.TB, id, wait string) api.Operation {
	t.Helper()
	path := "/v1/operations/" + id
	if wait != "" {
		path += "?wait=" + wait
	}
	r := c.get(t, c.admin, path)
	wantStatus(t, r, http.StatusOK)
	return decode[api.Operation](t, r)
}

// waitOp long-polls the operation until cond holds or the deadline passes.
// Each poll waits at most 100ms: a long-poll answers on a change relative to
// what the server read when the request arrived, so a change that happened
// between two polls is only reported when the wait ends, and tests that
// must act between two steps of an operation need to see it promptly.
func (c *cp) waitOp(t testing.TB, id string, within time.Duration, cond func(api.Operation) bool) api.Operation {
	t.Helper()
	deadline := time.Now().Add(within)
	op := c.operation(t, id, "")
	for !cond(op) {
		if time.Now().After(deadline) {
			t.Fatalf("operation %s did not reach the expected state within %s; last: %+v", id, within, op)
		}
		op = c.operation(t, id, "100ms")
	}
	return op
}

func done(op api.Operation) bool { return op.Done() }

// waitSucceeded waits for the operation to finish and requires success.
func (c *cp) waitSucceeded(t testing.TB, id string) api.Operation {
	t.Helper()
	op := c.waitOp(t, id, 10*time.Second, done)
	if op.Status != api.OperationSucceeded {
		t.Fatalf("operation %s %s: %s; error %+v", op.Kind, op.Status, op.Message, op.Error)
	}
	return op
}

// env reads an environment (200 required).
func (c *cp) env(t testing.TB, id string) (api.Environment, *resp) {
	t.Helper()
	r := c.get(t, c.admin, "/v1/environments/"+id)
	wantStatus(t, r, http.StatusOK)
	return decode[api.Environment](t, r), r
}

// createRunning creates an environment and waits until it runs.
func (c *cp) createRunning(t testing.TB, body api.EnvironmentCreate) api.Environment {
	t.Helper()
	op := c.create(t, c.admin, body)
	c.waitSucceeded(t, op.ID)
	e, _ := c.env(t, op.TargetID)
	if e.Status != api.EnvStatusRunning && body.DesiredState != api.DesiredStopped {
		t.Fatalf("environment %s is %s after its create succeeded", e.ID, e.Status)
	}
	return e
}

func patch(t testing.TB, c *cp, id string, body any, ifMatch string) *resp {
	t.Helper()
	h := map[string]string{}
	if ifMatch != "" {
		h["If-Match"] = ifMatch
	}
	return c.do(t, req{method: http.MethodPatch, path: "/v1/environments/" + id, key: c.admin, body: body, header: h})
}

func del(t testing.TB, c *cp, id, ifMatch string) *resp {
	t.Helper()
	h := map[string]string{}
	if ifMatch != "" {
		h["If-Match"] = ifMatch
	}
	return c.do(t, req{method: http.MethodDelete, path: "/v1/environments/" + id, key: c.admin, header: h})
}

func ptr[T any](v T) *T { return &v }

// stateDir is the simulated gateway's state directory.
func (c *cp) stateDir(id string) string {
	return simulator.New(simulator.Config{DataDir: c.dataDir}).StateDir(id)
}

// eventually checks cond until it holds or within has passed, and reports
// whether it held. It is the one polling wait of these tests, for state the
// engine reaches asynchronously (operations have waitOp).
func eventually(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}
